"""Convert ExDark annotations (raw bbGt tree or YOLO-form labels) to COCO json, one per split.

Examples::

    # raw ExDark: images in ExDark/<Class>/, bbGt files in ExDark_Annno/<Class>/
    python data_tools/exdark_to_coco.py --annotations data/exdark/ExDark_Annno \
        --images data/exdark/ExDark --image-list data/exdark/imageclasslist.txt \
        --split official --out data/exdark/annotations
    # YOLO-form labels (zip or folder), sizes from the images, a size table or the label cache
    python data_tools/exdark_to_coco.py --yolo-labels Exdark_YOLO_labels.zip \
        --image-list data/exdark/imageclasslist.txt --split 8020 --seed 0 \
        --out data/exdark/annotations
"""
import argparse
import sys
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a source checkout

from sdag_bench.datasets.converters.exdark import convert_exdark  # noqa: E402
from sdag_bench.datasets.converters.exdark_yolo import convert_exdark_yolo  # noqa: E402
from sdag_bench.datasets.converters.report import run_and_report  # noqa: E402


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line arguments."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--annotations', help='root of the raw bbGt files (<Class>/<image>.txt)')
    source.add_argument('--yolo-labels', help='zip or folder with labels/{train,val,test}/*.txt')
    parser.add_argument('--images', help='images root (required with --annotations)')
    parser.add_argument('--image-list', help='imageclasslist.txt (needed by --split official '
                        'with --annotations)')
    parser.add_argument('--sizes', help='YOLO form: size table, json {name: [w, h]} or csv '
                        'name,width,height')
    parser.add_argument('--no-cache', action='store_true',
                        help='YOLO form: ignore labels/<subset>.cache image sizes')
    parser.add_argument('--split', choices=('official', '8020'), default='official')
    parser.add_argument('--seed', type=int, default=0, help='seed of the 8020 split')
    parser.add_argument('--out', required=True, help='output folder for the json files')
    parser.add_argument('--strict', action='store_true',
                        help='refuse any defect instead of fixing it by the documented rules')
    args = parser.parse_args(argv)
    if args.annotations and not args.images:
        parser.error('--annotations needs --images')
    return args


def main(argv=None) -> int:
    """Run the conversion; print the summary; return the exit status."""
    args = parse_args(argv)
    if args.annotations:
        return run_and_report(lambda: convert_exdark(
            args.annotations, args.images, args.out, args.split, args.seed, args.image_list,
            args.strict, progress=tqdm))
    if not args.images and not args.sizes and not args.no_cache:
        print('note: without --images, image sizes come from the label cache '
              '(labels/<subset>.cache). The cache shipped with Exdark_YOLO_labels.zip holds the '
              'sizes of a copy downscaled to at most 640 px (2015_02243.jpg: 640x382 there, '
              '1023x612 in ExDark), so its boxes do not fit the original photos: pass --images '
              'DIR to take the sizes from your images', file=sys.stderr)
    return run_and_report(lambda: convert_exdark_yolo(
        args.yolo_labels, args.out, args.split, args.seed, args.image_list, args.images,
        args.sizes, not args.no_cache, args.strict, progress=tqdm))


if __name__ == '__main__':
    sys.exit(main())
