"""Dataset readers (IDX, CIFAR-10, image folders) and the dataset registry."""
