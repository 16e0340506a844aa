"""The presets' names and descriptions (models/presets/*.json), marked for translation: the
API sends them in English and the Builder and Training pages show them in their own
language (tx). tests/nn/test_error_codes.py checks that every preset's texts are here."""

from server.text.marks import translatable

PRESET_TEXTS: tuple[str, ...] = (
    translatable("AlexNet-style (32x32)"),
    translatable(
        "AlexNet's shape scaled to 32x32 inputs: five 3x3 convolutions (64, 192, 384, 256, 256 "
        "filters) with three max poolings, then two dropout + dense 1024 layers."),
    translatable("Small GoogLeNet (CIFAR-10)"),
    translatable(
        "A GoogLeNet-style net: a 3x3 stem, inception blocks (1x1, 3x3, 5x5 and pooled branches"
        " side by side) with max pooling between them, global average pooling, dropout 0.4 and "
        "10 outputs."),
    translatable("Keras course CNN (CIFAR-10)"),
    translatable(
        "The small CNN of the Keras CIFAR-10 course: 16/32/64 filters of size 2 with 'same' "
        "padding, each followed by 2x2 max pooling, dropout 0.3, dense 500, dropout 0.4, dense "
        "10 (528,054 parameters)."),
    translatable("LeNet for MNIST"),
    translatable(
        "The classic modern LeNet: two 5x5 'same' convolutions (20 and 50 filters) with ReLU "
        "and 2x2 max pooling, a 500-unit dense layer and 10 outputs."),
    translatable("LeNet-5 (1998)"),
    translatable(
        "LeCun et al.'s original layout on 32x32 digits: tanh convolutions, average pooling "
        "('subsampling'), a 120-unit convolution and an 84-unit dense layer. MNIST digits are "
        "padded to 32x32."),
    translatable("MiniVGG (CIFAR-10)"),
    translatable(
        "A small VGG: two blocks of two 3x3 'same' convolutions (32 then 64 filters) with batch"
        " norm, 2x2 max pooling and dropout 0.25, then dense 512 with batch norm and dropout "
        "0.5."),
    translatable("MLP baseline (CIFAR-10)"),
    translatable(
        "The fully connected baseline the Keras course compares the CNN with: flatten, dense "
        "1000, dropout 0.2, dense 512, dropout 0.2, dense 10 (3,590,642 parameters: 7x the CNN,"
        " and less accurate)."),
    translatable("Small ResNet (CIFAR-10)"),
    translatable(
        "A ResNet-14-style net: a 3x3 stem, three stages of two residual blocks (16, 32, 64 "
        "filters; the 2nd and 3rd stages downsample with stride 2), global average pooling and "
        "10 outputs."),
    translatable("Tiny VGG (64x64 RGB)"),
    translatable(
        "The network of CNN Explainer: two blocks of two 3x3 convolutions with 10 filters and "
        "ReLU, each followed by 2x2 max pooling, on 64x64 colour images, and a 10-way output."),
    translatable("YOLO-tiny for mnist-detect"),
    translatable(
        "A small YOLO-style detector: five 3x3 conv - batch norm - leaky ReLU blocks (16 to 128"
        " filters) with 2x2 max pooling take a 96x96 scene down to a 6x6 grid; a detection head"
        " predicts 2 boxes of [P, x, y, w, h, c0..c9] per cell (6 x 6 x 30). Train it on mnist-"
        "detect."),
)
