"""Transcriptions of the official loss code (Zero-DCE Myloss.py, SCI loss.py, RUAS model.py),
kept as written there (``.cuda()`` dropped), to check our losses against."""
import torch
import torch.nn.functional as F


def zero_dce_l_spa(org, enhance):
    k = [[[0, 0, 0], [-1, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 1, -1], [0, 0, 0]],
         [[0, -1, 0], [0, 1, 0], [0, 0, 0]], [[0, 0, 0], [0, 1, 0], [0, -1, 0]]]
    kernels = [torch.FloatTensor(x).unsqueeze(0).unsqueeze(0) for x in k]
    org_pool = F.avg_pool2d(torch.mean(org, 1, keepdim=True), 4)
    enhance_pool = F.avg_pool2d(torch.mean(enhance, 1, keepdim=True), 4)
    e = 0
    for kernel in kernels:
        e = e + torch.pow(F.conv2d(org_pool, kernel, padding=1) -
                          F.conv2d(enhance_pool, kernel, padding=1), 2)
    return torch.mean(e)


def zero_dce_l_exp(x, mean_val=0.6):
    mean = F.avg_pool2d(torch.mean(x, 1, keepdim=True), 16)
    return torch.mean(torch.pow(mean - torch.FloatTensor([mean_val]), 2))


def zero_dce_l_color(x):
    mean_rgb = torch.mean(x, [2, 3], keepdim=True)
    mr, mg, mb = torch.split(mean_rgb, 1, dim=1)
    drg, drb, dgb = torch.pow(mr - mg, 2), torch.pow(mr - mb, 2), torch.pow(mb - mg, 2)
    return torch.mean(torch.pow(torch.pow(drg, 2) + torch.pow(drb, 2) + torch.pow(dgb, 2), 0.5))


def zero_dce_l_tv(x):
    batch_size, h_x, w_x = x.size()[0], x.size()[2], x.size()[3]
    count_h = (x.size()[2] - 1) * x.size()[3]
    count_w = x.size()[2] * (x.size()[3] - 1)
    h_tv = torch.pow((x[:, :, 1:, :] - x[:, :, :h_x - 1, :]), 2).sum()
    w_tv = torch.pow((x[:, :, :, 1:] - x[:, :, :, :w_x - 1]), 2).sum()
    return 2 * (h_tv / count_h + w_tv / count_w) / batch_size


# The 24 (input slice, output slice) pairs of the official SmoothLoss, in its order.
_S = {'a': slice(1, None), 'b': slice(None, -1), 'c': slice(2, None), 'd': slice(None, -2),
      ':': slice(None)}
_PAIRS = ['a: b:', 'b: a:', ':a :b', ':b :a', 'bb aa', 'aa bb', 'ab ba', 'ba ab', 'c: d:',
          'd: c:', ':c :d', ':d :c', 'db ca', 'ca db', 'cb da', 'da cb', 'bd ac', 'ac bd',
          'ad bc', 'bc ad', 'dd cc', 'cc dd', 'cd dc', 'dc cd']


def _slices(code):
    return (slice(None), slice(None), _S[code[0]], _S[code[1]])


def official_ycbcr(input_im):
    """The official conversion, including its ``view(-1, 3)`` on an NCHW tensor."""
    im_flat = input_im.contiguous().view(-1, 3).float()
    mat = torch.Tensor([[0.257, -0.148, 0.439], [0.564, -0.291, -0.368], [0.098, 0.439, -0.071]])
    bias = torch.Tensor([16.0 / 255.0, 128.0 / 255.0, 128.0 / 255.0])
    return (im_flat.mm(mat) + bias).view(input_im.shape[0], 3, input_im.shape[2],
                                         input_im.shape[3])


def per_pixel_ycbcr(input_im):
    """The same matrix applied to each pixel's RGB."""
    flat = input_im.permute(0, 2, 3, 1).reshape(-1, 3)
    mat = torch.Tensor([[0.257, -0.148, 0.439], [0.564, -0.291, -0.368], [0.098, 0.439, -0.071]])
    bias = torch.Tensor([16.0 / 255.0, 128.0 / 255.0, 128.0 / 255.0])
    out = flat.mm(mat) + bias
    return out.view(input_im.shape[0], input_im.shape[2], input_im.shape[3], 3).permute(0, 3, 1, 2)


def sci_smooth_loss(input, output, ycbcr=official_ycbcr):
    """SCI ``SmoothLoss``: sigma 10, per-pixel L1 norm over channels."""
    y = ycbcr(input)
    sigma_color = -1.0 / (2 * 10 * 10)
    total = 0
    for pair in _PAIRS:
        a, b = (_slices(code) for code in pair.split())
        w = torch.exp(torch.sum(torch.pow(y[a] - y[b], 2), dim=1, keepdim=True) * sigma_color)
        total = total + torch.mean(w * torch.norm(output[a] - output[b], 1.0, dim=1, keepdim=True))
    return total


def ruas_smooth_loss(input, output):
    """RUAS ``SmoothLoss``: sigma 0.1 (coefficient -sigma^2 / 2), global mean |grad| norm."""
    y = official_ycbcr(input)
    sigma_color = -1.0 / 2 * 0.1 * 0.1
    total = 0
    for pair in _PAIRS:
        a, b = (_slices(code) for code in pair.split())
        w = torch.exp(torch.sum(torch.pow(y[a] - y[b], 2), dim=1, keepdim=True) * sigma_color)
        total = total + torch.mean(w * torch.mean(torch.abs(output[a] - output[b])))
    return total
