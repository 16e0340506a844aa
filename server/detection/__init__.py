"""Detection maths: box formats, intersection over union and non-maximum suppression."""
