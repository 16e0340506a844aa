// A drop zone: a file dragged onto `zone` is highlighted while over it and handed to
// onFile(file) when dropped. Shared by the Kernel Lab and the Classify page.

export function bindDropZone(zone, onFile) {
  const over = (event) => {
    event.preventDefault();
    zone.classList.add("dragging");
  };
  zone.addEventListener("dragenter", over);
  zone.addEventListener("dragover", over);
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("dragging");
    const file = event.dataTransfer.files[0];
    if (file) onFile(file);
  });
}
