# SCI with the official "easy" weights.
_base_ = './sci.py'

checkpoint = 'checkpoints/official/sci_easy.pth'
