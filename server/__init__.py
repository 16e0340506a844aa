"""CNN Playground: learn and demonstrate convolutional neural networks."""

__version__ = "0.1.0"
