"""Classic image kernels, the filtering engine and the numeric (textbook) mode."""
