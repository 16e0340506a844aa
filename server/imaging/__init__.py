"""Safe image intake, colour conversion and encoding, shared by every feature taking an image."""

from server.imaging.intake import ACCEPTED_FORMATS, DecodedImage, IntakeLimits, decode_image

__all__ = ["ACCEPTED_FORMATS", "DecodedImage", "IntakeLimits", "decode_image"]
