# SCI with the official "difficult" weights.
_base_ = './sci.py'

checkpoint = 'checkpoints/official/sci_difficult.pth'
