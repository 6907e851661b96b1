# The test loader every small real-photo set shares (real_photos_*.py, darkface_photos.py): one
# photo at a time, in order, in the main process (a handful of photos: no worker start-up).
# A set config adds only its dataset: test_dataloader = dict(dataset=dict(type=..., ...)).
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False))
