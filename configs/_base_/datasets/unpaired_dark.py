# Unpaired low-light images for enhancer training: by default the dark demo train split; any
# folder via --cfg-options train_dataloader.dataset.data_root=PATH.
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='pseudo_collate'),
    dataset=dict(type='UnpairedImageFolder', data_root='data/demo/dark/train', crop_size=128))
