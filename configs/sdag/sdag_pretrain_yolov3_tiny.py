# SDAG pretraining over a detector trained on real images: the stem and first stage (conv 3->16,
# max-pool, conv 16->32; stride 2) of darknet YOLOv3-tiny (COCO), on the real low-light photos of
# the third-party assets (DICM, LIME, SCI's data/{easy,medium,difficult}), with the six low-light
# degradation factors of sdag_pretrain_lowlight.py. Every 4th photo of each folder is held out;
# tools/sdag_ranking.py measures on those whether degraded copies are reconstructed worse.
#   python tools/convert_darknet.py ../shared/assets/pjreddie+darknet/yolov3-tiny.cfg \
#       ../shared/assets/pjreddie+darknet/yolov3-tiny.weights \
#       checkpoints/darknet/yolov3_tiny_coco.pth
#   python tools/train.py configs/sdag/sdag_pretrain_yolov3_tiny.py \
#       --work-dir work_dirs/sdag_yolov3_tiny
#   python tools/sdag_ranking.py configs/sdag/sdag_pretrain_yolov3_tiny.py \
#       --checkpoint work_dirs/sdag_yolov3_tiny/iter_600.pth
# Measured (results/real_photos/sdag_yolov3_tiny_ranking.md): after these 600 iterations (28 min
# on a shared 2-core CPU) the degraded copy of a held-out photo is reconstructed worse than the
# photo for 90-100 % of the 29 held-out photos, per factor. The exported weights,
# checkpoints/sdag_yolov3_tiny.pth (225 KB; trained on the DICM, LIME and SCI photos above, the
# stem's weights are darknet's), guide an enhancer through
# SDAGGuidanceHook(sdag=<sdag_net below>, checkpoint='checkpoints/sdag_yolov3_tiny.pth').
_base_ = ['./sdag_pretrain_lowlight.py', './_base_/sdag_net_yolov3_tiny.py']

shared_assets = '../shared/assets/'
photo_folders = [
    shared_assets + 'Li-Chongyi+Zero-DCE/test_data/DICM',
    shared_assets + 'Li-Chongyi+Zero-DCE/test_data/LIME',
    shared_assets + 'vis-opt-group+SCI/data/easy',
    shared_assets + 'vis-opt-group+SCI/data/medium',
    shared_assets + 'vis-opt-group+SCI/data/difficult',
]

model = dict(net=dict(_delete_=True, **_base_.sdag_net))

train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        _delete_=True,
        type='UnpairedImageList',
        data_roots=photo_folders,
        split='train',
        held_out_every=4,
        crop_size=64))

# a short CPU run: 600 iterations, Adam 2e-4 halved at 300 and 450
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[300, 450], gamma=0.5)]
train_cfg = dict(max_iters=600)
