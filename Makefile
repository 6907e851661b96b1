# sdag_bench: the two commands of the README.
#   make demo   set up .venv (if needed) and run the embedded demo benchmark
#   make test   set up .venv (if needed) and run the fast tier of the test suite (not slow)
#   make test-all   every test, the slow tier included (make test-slow: the slow tier alone)
#   make darknet  convert darknet's YOLOv3-tiny weights (DARKNET=folder of the .cfg/.weights)
#   make yolox    convert YOLOX-Nano's ONNX export (YOLOX_ONNX=the .onnx file)
#   make exdark600  convert the 600 real ExDark test photos' labels into data/exdark600
#                 (EXDARK600=folder with images/ and labels/, EXDARK_LIST=imageclasslist.txt)
# and the longer ones behind the committed demo results:
#   make zoo    retrain the demo zoo (tools/train_demo_zoo.sh, 1.5-2 h on 2 cores)
#   make seeds  SDAG vs plain over the training seeds (tools/seed_study.py)
#   make bench  the performance benchmarks (bench/pipeline.py)
PYTHON := .venv/bin/python
STAMP := .venv/.sdag_bench_installed
# darknet's YOLOv3-tiny (COCO) files and the state dict its configs load (never committed)
DARKNET ?= ../shared/assets/pjreddie+darknet
DARKNET_CONVERT = $(PYTHON) tools/convert_darknet.py $(DARKNET)/yolov3-tiny.cfg \
	$(DARKNET)/yolov3-tiny.weights checkpoints/darknet/yolov3_tiny_coco.pth

# YOLOX-Nano (COCO) exported to ONNX and the state dict its configs load (never committed)
YOLOX_ONNX ?= ../shared/assets/Bigisland1729+object-detection-models/yolox_nano.onnx
YOLOX_CONVERT = $(PYTHON) tools/convert_yolox_onnx.py $(YOLOX_ONNX) checkpoints/yolox/yolox_nano_coco.pth
# 600 official-test ExDark photos with YOLO-form labels, and ExDark's imageclasslist (Light, In/Out)
EXDARK600 ?= ../shared/assets/Chinese-sausage+ExDark
EXDARK_LIST ?= ../shared/assets/cs-chan+Exclusively-Dark-Image-Dataset/Groundtruth/imageclasslist.txt
# extra pytest arguments, e.g. make test PYTEST_ARGS="--durations=20 -x"
PYTEST_ARGS ?=

.PHONY: setup demo darknet yolox exdark600 test test-all test-slow zoo seeds bench

setup:
	@bash tools/setup_env.sh

demo: setup
	@# official weights become extra rows when the third-party assets are beside the project
	@if [ -d ../shared/assets ]; then $(PYTHON) tools/convert_official.py > /dev/null; fi
	@if [ -f $(DARKNET)/yolov3-tiny.weights ]; then $(DARKNET_CONVERT) > /dev/null; fi
	@if [ -f $(YOLOX_ONNX) ]; then $(YOLOX_CONVERT) > /dev/null; fi
	$(PYTHON) tools/benchmark.py --enhancers all

darknet: setup
	$(DARKNET_CONVERT)

yolox: setup
	$(YOLOX_CONVERT)

# the project's converter, as a user with those files runs it; the photos stay where they are
# (data/exdark600/images is a link to them)
exdark600: setup
	$(PYTHON) data_tools/exdark_to_coco.py --yolo-labels $(EXDARK600) \
		--images $(EXDARK600)/images --image-list $(EXDARK_LIST) --out data/exdark600/annotations
	ln -sfn $(abspath $(EXDARK600)/images) data/exdark600/images

# the tests' tensors are small: one thread per process is as fast on an idle 2-core machine and
# far faster on a busy one (no OpenMP threads spinning against each other); set it to override
test test-all test-slow: export OMP_NUM_THREADS ?= 1

# pytest-xdist: TEST_JOBS workers (auto: one per CPU), each test module on one worker (its
# module-scoped fixtures are made once); TEST_JOBS=0 runs in this process
TEST_JOBS ?= auto
XDIST = -p xdist -n $(TEST_JOBS) --dist loadscope

test: setup
	$(PYTHON) -m pytest -q -m "not slow" $(XDIST) $(PYTEST_ARGS)

test-all: setup
	$(PYTHON) -m pytest -q $(XDIST) $(PYTEST_ARGS)

test-slow: setup
	$(PYTHON) -m pytest -q -m slow $(XDIST) $(PYTEST_ARGS)

zoo: setup
	bash tools/train_demo_zoo.sh

seeds: setup
	$(PYTHON) tools/seed_study.py

bench: setup
	$(PYTHON) bench/pipeline.py
