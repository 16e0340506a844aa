// Error types raised for the Datasets, Classify and Detection pages (datasets, images, models): type -> (ctx) => message
// in the page's language (see ../error_messages.js). The skip_* types are a skipped file's
// reason in an import's answer ({file, reason, type, ctx}), shown the same way.

import { localMessage } from "../error_messages.js";
import { t } from "../i18n.js";

const ACCEPTED = "PNG, JPEG, WebP, BMP, GIF (first frame) and TIFF"; // server/imaging/intake.py

/** The accepted formats, in the page's language when they are the server's usual list. */
function acceptedFormats(c) {
  return c.accepted === ACCEPTED ? t("PNG, JPEG, WebP, BMP, GIF (first frame) and TIFF")
    : c.accepted;
}

// What an upload that is no accepted image looks like (image_unsupported's `kind`).
const KINDS = {
  pdf: () => t("a PDF document"),
  svg: () => t("an SVG drawing"),
  xml: () => t("an XML/SVG file"),
  zip: () => t("a zip archive"),
  gzip: () => t("a gzip archive"),
  psd: () => t("a Photoshop PSD file"),
  ico: () => t("an ICO icon"),
  jxl: () => t("a JPEG XL image"),
  heic: () => t("a HEIC/AVIF image"),
  text: () => t("a text file"),
  unknown: () => t("a file of an unknown type"),
};

// Python's own words for the commonest broken zip (zip_unreadable's `reason`).
const ZIP_REASONS = { "File is not a zip file": () => t("the file is not a zip file") };

function zipReason(c) {
  return { ...c, reason: ZIP_REASONS[c.reason] ? ZIP_REASONS[c.reason]() : c.reason };
}

/** skip_unreadable's cause: the intake's own error, in the page's language too. */
function cause(c) {
  return localMessage({ loc: [], msg: c.reason, type: c.error, ctx: c.error_ctx }) || c.reason;
}

export const DATA_ERRORS = {
  // an uploaded image (a picture to classify, or for a dataset)
  image_empty: () => t("the file is empty (0 bytes); choose an image file"),
  image_too_large: (c) => t("the file is larger than the upload limit of {limit} (setting CNNPG_MAX_UPLOAD_BYTES); resize or recompress the image", c),
  image_unsupported: (c) => t("this looks like {found}, not an accepted image; accepted formats: {accepted}", {
    found: KINDS[c.kind] ? KINDS[c.kind]() : c.found, accepted: acceptedFormats(c) }),
  image_bomb: (c) => t("refused a decompression bomb: {reason}", c),
  image_corrupt: (c) => t("the {format} file is corrupt and cannot be read ({reason})", c),
  image_truncated: (c) => t("the {format} file is truncated or corrupt and cannot be decoded ({reason}); re-export or re-download it", c),
  image_no_pixels: (c) => t("the image has no pixels ({width}x{height})", c),
  image_too_many_pixels: (c) => t("the image is {width}x{height} = {megapixels} megapixels; the limit is {limit} megapixels (setting CNNPG_MAX_IMAGE_PIXELS); resize it first", c),
  // a zip to import
  zip_unreadable: (c) => (c.task === "detection"
    ? t("not a readable zip archive ({reason}); zip the pictures with their YOLO .txt label files", zipReason(c))
    : t("not a readable zip archive ({reason}); make one of class folders (cats/1.jpg, dogs/2.jpg, ...)", zipReason(c))),
  zip_entry_escapes: (c) => t("zip entry {entry} would escape the dataset folder; refused", c),
  zip_too_many_files: (c) => t("the zip holds {count} files; the limit is {limit} (split it, or add the rest with POST /api/datasets/{id}/images)", c),
  zip_too_big: (c) => t("the zip unpacks to {size} MB; the limit is {limit} MB", c),
  zip_bomb: (c) => t("zip entry {entry} expands {ratio}x: refused as a zip bomb", c),
  zip_no_class_folders: () => t("the zip holds no class folders with files: lay it out as class_name/picture.png (the layout of torchvision's ImageFolder and Keras)"),
  detection_zip_no_labels: () => t("no picture has a YOLO label file; put `name.txt` beside `name.jpg`, or use the Ultralytics layout (images/a.jpg with labels/a.txt), one `class cx cy w h` line per object"),
  detection_zip_no_pictures: () => t("the zip holds no pictures (.png, .jpg, .jpeg, .webp, .bmp, .gif or .tif)"),
  // a dataset
  detection_dataset_size: (c) => t("a detection dataset's size is a multiple of 16 from 32 (the detector's grid cells are 16 pixels), not {size}; try {lower} or {upper}", c),
  datasets_over_limit: (c) => t("your session has {count} datasets; the limit is {limit} (CNNPG_SESSION_MAX_DATASETS): delete one first", c),
  dataset_storage_over_limit: (c) => t("the pictures take {size}; your datasets hold {held} of {limit} (CNNPG_SESSION_MAX_DATASET_BYTES): delete a dataset, or import fewer or smaller pictures", c),
  // a model given the wrong task
  model_is_detector: (c) => t("model {model} is a detector: it answers where objects are, with boxes, not one class per picture; use it on the Detection page", c),
  model_is_classifier: (c) => t("model {model} is a classifier: it says what one picture shows, not where; use a model trained from the yolo-tiny-mnist preset", c),
  // why one file of an import or an add was skipped
  skip_not_image_name: () => t("not an image: its name does not end in .png, .jpg, .jpeg, .webp, .bmp, .gif or .tif"),
  skip_folder_name: (c) => t("its folder name: {reason}", c),
  skip_unreadable: (c) => t("not an image we can read: {reason}", { reason: cause(c) }),
  skip_too_small: (c) => t("too small: {width}x{height} pixels; pictures need at least {min}x{min}", c),
  skip_too_large: (c) => t("over a limit: larger than {limit} bytes (CNNPG_MAX_UPLOAD_BYTES)", c),
  skip_duplicate: (c) => t("duplicate: the same file is already in class {class}", c),
  skip_duplicate_in_zip: () => t("duplicate: the same file is already in the zip"),
  skip_dataset_full: (c) => t("over a limit: the dataset holds {count} images, the most (CNNPG_DATASET_MAX_IMAGES)", c),
  skip_storage_full: (c) => t("over a limit: your datasets hold {held} of {limit} (CNNPG_SESSION_MAX_DATASET_BYTES)", c),
  skip_labels: (c) => t("its labels: {reason}", c),
};
