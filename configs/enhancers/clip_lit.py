# CLIP-LIT (Liang et al., ICCV 2023): official enhancement weights. Training needs CLIP and its
# learned prompts: benchmark only.
enhancer = dict(type='CLIPLIT')
checkpoint = 'checkpoints/official/clip_lit.pth'
