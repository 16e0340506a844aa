"""The Kernel Lab in a real browser: presets, the kernel grid, live results that match the
server's PNG exactly, the pipeline, errors next to their controls, uploads and downloads."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser


def test_sobel_x_on_a_sample_matches_the_server_png(page: Any, lab: Any) -> None:
    lab.pick_sample("chelsea")
    lab.pick_preset("Sobel X")
    request = lab.request()
    assert request["source"] == {"sample": "chelsea"}
    assert request["spec"]["steps"][0]["kernel"] == "sobel_x"
    assert request["spec"]["output"] == "offset"  # Sobel X's suggested mapping
    original = lab.canvas("#original-canvas")
    result = lab.canvas()
    assert result[:2] == original[:2] == (451, 300)
    assert result[2] != original[2]
    assert result == lab.server_png(request)  # every RGBA byte
    assert re.search(r"min -?\d+.*max \d+.*mean", page.locator("#stats").text_content() or "")
    assert "ms compute" in (page.locator("#timing").text_content() or "")


def test_editing_a_kernel_cell_changes_the_result(page: Any, lab: Any) -> None:
    lab.pick_preset("Box blur 3x3")
    before = lab.canvas()
    cell = lab.control("Weight row 2, column 2")
    cell.fill("-8")
    lab.wait()
    after = lab.canvas()
    assert after[2] != before[2]
    spec = lab.request()["spec"]["steps"][0]
    assert spec["matrix"][1][1] == -8
    assert spec["scale"] == "1/9"
    assert lab.control("Preset").input_value() == "__custom__"
    assert "started from Box blur 3x3" in (page.locator("#preset-explanation").text_content() or "")
    assert after == lab.server_png()


def test_last_edit_wins_while_typing_fast(page: Any, lab: Any) -> None:
    cell = lab.control("Weight row 1, column 1")
    cell.click()
    for value in ["1", "2", "3", "-4", "0.5", "7"]:  # no waiting between the edits
        cell.fill(value)
    lab.wait()
    assert lab.request()["spec"]["steps"][0]["matrix"][0][0] == 7
    assert lab.canvas() == lab.server_png()


def test_hovering_a_result_pixel_shows_its_weighted_sum(page: Any, lab: Any) -> None:
    lab.pick_preset("Sobel X")
    canvas = page.locator("#result-canvas")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6)
    heading = page.locator("#explain-heading")
    page.wait_for_function(
        "document.querySelector('#explain-heading').textContent.startsWith('Result pixel')")
    lab.wait()
    match = re.search(r"x (\d+), y (\d+)", heading.text_content() or "")
    assert match
    x, y = int(match[1]), int(match[2])
    expected = page.request.post("/api/kernels/explain", data={
        **lab.request(), "x": x, "y": y}).json()
    assert page.locator("#explain-text").text_content() == expected["text"]
    grid = page.locator("#explain-body table.sum-grid").first
    assert grid.locator("td").count() == 9
    products = [float(v) for v in re.findall(r"= (-?[\d.]+)", grid.inner_text())]
    inputs = np.array(expected["channels"][0]["inputs"])
    assert products == pytest.approx(list((inputs * np.array(expected["weights"][0])).ravel()))
    assert f"pixel {expected['pixel'][0]}" in (page.locator("#explain-output").text_content() or "")
    assert page.locator("#window-box").is_visible()  # the window outlined on the original


def test_a_non_linear_filter_is_marked_and_explained(page: Any, lab: Any) -> None:
    lab.pick_preset("Median (not a convolution)")
    assert page.locator("#nonlinear-badge").is_visible()
    assert page.locator("#grid-editor").is_hidden()
    assert lab.control("Stride").is_disabled()
    size = lab.control("Size (odd)")
    assert size.input_value() == "5"
    size.fill("3")
    lab.wait()
    assert lab.request()["spec"]["steps"][0]["params"] == {"size": 3}
    assert lab.canvas() == lab.server_png()
    page.locator("#result-canvas").click(position={"x": 40, "y": 40})
    page.wait_for_function("document.querySelector('#explain-text')?.textContent.includes('median')")
    assert page.locator("#explain-body .badge-nonlinear").is_visible()
    assert page.locator("#explain-body td.marked").count() >= 1  # the median in the window


def test_bad_stride_shows_an_error_next_to_it_and_recovers(page: Any, lab: Any) -> None:
    stride = lab.control("Stride")
    stride.fill("0")
    lab.wait("error")
    assert stride.get_attribute("aria-invalid") == "true"
    note = page.locator(f"#{stride.get_attribute('aria-describedby')}")
    assert "greater than or equal to 1" in (note.text_content() or "")
    assert page.locator("[data-loc='step.stride'] .field-error").is_visible()
    stride.fill("2")
    lab.wait()
    assert stride.get_attribute("aria-invalid") is None
    assert page.locator(".field-error").count() == 0
    assert lab.canvas()[:2] == (256, 256)  # camera 512x512 at stride 2


def test_a_sixteenth_row_is_refused_next_to_the_size_and_recovers(page: Any, lab: Any) -> None:
    rows = lab.control("Rows")
    rows.fill("16")
    lab.wait("error")
    error = page.locator("[data-loc='step.matrix'] .field-error")
    assert "15x15" in (error.text_content() or "")
    assert rows.get_attribute("aria-invalid") == "true"
    rows.fill("5")
    lab.wait()
    assert page.locator(".field-error").count() == 0
    assert page.locator("#kernel-cells input").count() == 15
    assert len(lab.request()["spec"]["steps"][0]["matrix"]) == 5


def test_server_errors_on_a_custom_scale_and_params_land_next_to_them(page: Any, lab: Any) -> None:
    scale = lab.control("Scale (e.g. 1/9)")
    scale.fill("1/0")
    lab.wait("error")
    assert "not a number or a fraction" in (
        page.locator("[data-loc='step.scale'] .field-error").text_content() or "")
    scale.fill("1/2")
    lab.wait()
    lab.pick_preset("Gaussian (any size, from sigma)")
    lab.control("Size (odd)").fill("4")
    lab.wait("error")
    assert "odd" in (page.locator("[data-loc='step.params.size'] .field-error").text_content()
                     or "")
    lab.control("Size (odd)").fill("5")
    lab.wait()
    assert page.locator("#kernel-readonly .cell").count() == 25


def test_a_pipeline_gaussian_then_laplacian(page: Any, lab: Any) -> None:
    lab.pick_preset("Gaussian blur 5x5")
    page.get_by_role("button", name="Add the current filter as a new step").click()
    lab.wait()
    lab.pick_preset("Laplacian (4-neighbour)")
    steps = page.locator("#pipeline-list li")
    assert steps.count() == 2
    assert "Gaussian blur 5x5" in (steps.nth(0).text_content() or "")
    assert "Laplacian" in (steps.nth(1).text_content() or "")
    spec = lab.request()["spec"]
    assert [s["kernel"] for s in spec["steps"]] == ["gaussian_5", "laplacian_4"]
    assert spec["output"] == "abs"
    assert lab.canvas() == lab.server_png()
    page.get_by_role("button", name=re.compile(r"Move step 2 .* up")).click()
    lab.wait()
    assert [s["kernel"] for s in lab.request()["spec"]["steps"]] == ["laplacian_4", "gaussian_5"]
    page.get_by_role("button", name=re.compile(r"Remove step 1 ")).click()
    lab.wait()
    assert [s["kernel"] for s in lab.request()["spec"]["steps"]] == ["gaussian_5"]
    assert page.get_by_role("button", name=re.compile(r"Remove step 1 ")).is_disabled()


def test_options_reach_the_server(page: Any, lab: Any) -> None:
    lab.pick_sample("astronaut")
    lab.pick_preset("Emboss")
    lab.control("Convolution").check()
    lab.control("Padding").select_option("none")
    lab.control("Dilation").fill("2")
    lab.control("Channels").select_option("sum")
    lab.control("Signed values to pixels").select_option("normalize")
    lab.wait()
    request = lab.request()
    step = request["spec"]["steps"][0]
    assert (step["mode"], step["padding"], step["dilation"]) == ("convolution", "none", 2)
    assert (request["spec"]["channels"], request["spec"]["output"]) == ("sum", "normalize")
    result = lab.canvas()
    assert result[:2] == (508, 508)  # 512 - (3 - 1) * 2 with no padding
    assert result == lab.server_png(request)


def test_uploading_a_png_through_the_file_input(page: Any, lab: Any, tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(30, 40, 3), dtype=np.uint8)
    path = tmp_path / "noise.png"
    Image.fromarray(pixels).save(path)
    lab.control("Choose a photo").set_input_files(str(path))
    lab.wait()
    assert "noise.png: 40x30" in (page.locator("#upload-status").text_content() or "")
    assert page.locator("#upload-progress").is_hidden()
    request = lab.request()
    assert "image_id" in request["source"]
    width, height, original = lab.canvas("#original-canvas")
    assert (width, height) == (40, 30)
    rgba = np.frombuffer(original, dtype=np.uint8).reshape(30, 40, 4)
    assert (rgba[..., :3] == pixels).all()
    assert lab.canvas() == lab.server_png(request)


def test_an_upload_that_is_not_an_image_shows_the_error(page: Any, lab: Any,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a picture")
    lab.control("Choose a photo").set_input_files(str(path))
    lab.wait("error")
    assert page.locator("#dropzone .field-error").is_visible()
    lab.pick_sample("coins")
    assert page.locator(".field-error").count() == 0


def test_a_large_photo_previews_while_typing_and_settles_at_full_size(
        page: Any, lab: Any, tmp_path: Path) -> None:
    ramp = np.tile(np.linspace(0, 255, 1500, dtype=np.uint8), (1100, 1))
    path = tmp_path / "large.png"
    Image.fromarray(ramp).save(path)
    lab.control("Choose a photo").set_input_files(str(path))
    lab.wait()
    page.evaluate("""() => {
      window.sent = [];
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (text) {
        window.sent.push(JSON.parse(text).preview_max_side);
        return send.call(this, text);
      };
    }""")
    lab.control("Weight row 2, column 2").fill("6")
    lab.wait()
    sent = page.evaluate("window.sent")
    assert sent[0] == 512  # a preview while the value changes...
    assert sent[-1] is None  # ...and full resolution once it settles
    assert lab.canvas()[:2] == (1500, 1100)
    assert "(preview)" not in (page.locator("#result-size").text_content() or "")
    assert lab.canvas() == lab.server_png()


def test_the_live_socket_reconnects(page: Any, lab: Any) -> None:
    page.evaluate("window.kernelLab.live.socket.ws.close()")
    lab.control("Weight row 1, column 1").fill("2")
    lab.wait()
    assert lab.canvas() == lab.server_png()


def test_download_png_is_the_server_result(page: Any, lab: Any) -> None:
    lab.pick_preset("Sobel Y")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PNG").click()
    path = info.value.path()
    image = Image.open(io.BytesIO(Path(path).read_bytes())).convert("RGBA")
    assert (image.width, image.height, image.tobytes()) == lab.canvas()
    assert info.value.suggested_filename.endswith(".png")


def test_zoom_keeps_both_images_at_the_same_scale(page: Any, lab: Any) -> None:
    lab.control("Zoom").select_option("4")
    sizes = page.evaluate("""() => ['#original-canvas', '#result-canvas'].map((s) => {
      const c = document.querySelector(s);
      return [c.getBoundingClientRect().width, getComputedStyle(c).imageRendering];
    })""")
    assert sizes == [[2048, "pixelated"], [2048, "pixelated"]]
    page.locator("#pane-original").evaluate("(p) => { p.scrollLeft = 300; p.scrollTop = 200; }")
    page.wait_for_function("document.querySelector('#pane-result').scrollLeft === 300")


def test_spec_panel_is_valid_json(page: Any, lab: Any) -> None:
    page.get_by_text("The request sent to the server (pipeline spec)").click()
    request = json.loads(page.locator("#spec-json").text_content() or "")
    assert set(request) == {"source", "spec"}


def test_normalize_to_sum_one(page: Any, lab: Any) -> None:
    lab.pick_preset("Box blur 3x3")
    lab.control("Scale (e.g. 1/9)").fill("1")
    normalize = lab.control("Normalize to sum 1")
    normalize.check()
    lab.wait()
    step = lab.request()["spec"]["steps"][0]
    assert (step["normalize"], step["scale"]) == (True, 1)
    assert lab.canvas() == lab.server_png()
    lab.pick_preset("Sobel X")  # its weights sum to 0: nothing to divide by
    lab.control("Normalize to sum 1").check()
    lab.wait("error")
    error = page.locator("[data-loc='step.normalize'] .field-error")
    assert "sum to 0" in (error.text_content() or "")
    lab.control("Normalize to sum 1").uncheck()
    lab.wait()
    assert page.locator(".field-error").count() == 0


def test_dropping_a_photo_on_the_drop_zone(page: Any, lab: Any) -> None:
    page.evaluate("""async () => {
      const canvas = Object.assign(document.createElement('canvas'), {width: 8, height: 6});
      const ctx = canvas.getContext('2d');
      ctx.fillStyle = '#3366cc';
      ctx.fillRect(0, 0, 8, 6);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], 'dropped.png', {type: 'image/png'}));
      const zone = document.querySelector('#dropzone');
      zone.dispatchEvent(new DragEvent('dragover', {dataTransfer: transfer, cancelable: true}));
      zone.dispatchEvent(new DragEvent('drop', {dataTransfer: transfer, cancelable: true}));
    }""")
    lab.wait()
    page.wait_for_function(
        "document.querySelector('#upload-status').textContent.startsWith('dropped.png')")
    lab.wait()
    assert "dropped.png: 8x6" in (page.locator("#upload-status").text_content() or "")
    assert lab.canvas("#original-canvas")[:2] == (8, 6)
    assert lab.canvas() == lab.server_png()
