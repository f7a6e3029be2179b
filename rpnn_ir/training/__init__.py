"""Quantization-aware training and design-space exploration (needs the `train` extra: torch).

- `quantizers`: QONNX Quant / BipolarQuant in torch with straight-through estimators;
- `models`: the zoo (TFC/SFC/LFC-style MLPs, CNV-style conv nets, width as a parameter);
- `data`: digits (embedded), MNIST IDX and CIFAR-10 pickle batches from a user folder;
- `train`: rpnn's training strategy (docs/training.md) and the deploy-exact `predict`;
- `export`: QONNX export written with onnx.helper;
- `deploy`: compile through rpnn-pipeline, cost, classify with the C reference;
- `explore`: the precision x width x device sweep behind `rpnn-explore`.
"""
