"""Every page in Brazilian Portuguese, in a real browser: no English left outside an
allow-list, errors in pt-BR at the field, the switcher by keyboard, and axe-core's
language and label rules in both languages. Screenshots of the Builder and Training pages
in pt-BR go to build/screenshots/."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from server.i18n.catalogues import catalogue

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ROOT / "build" / "screenshots"
PAGES = ["/", "/builder", "/datasets", "/training", "/compare", "/classify", "/detection",
         "/classroom", "/join", "/room/{code}"]
# Words that say "this is English" and are not Portuguese words.
ENGLISH = {
    "the", "and", "with", "your", "you", "is", "are", "this", "that", "from", "for", "to",
    "of", "in", "on", "not", "or", "by", "an", "it", "at", "be", "will", "can", "has", "have",
    "was", "were", "which", "what", "when", "where", "how", "there", "their", "its", "into",
    "each", "every", "than", "then", "them", "these", "those", "would", "should", "could",
    "been", "our", "we", "they", "one", "two", "here", "click", "choose", "select", "open",
    "show", "load", "start", "stop", "train", "training", "run", "runs", "delete", "upload",
    "new", "save", "none", "only", "image", "images", "layer", "layers", "model", "models",
    "kernel", "input", "output", "step", "steps", "page", "loading", "waiting", "room",
    "teacher", "student", "students", "join", "leave", "share", "copy", "download", "file",
    "files", "name", "size", "please", "error", "failed", "cannot",
}
# Proper names, units, code and data that stay as they are in every language.
ALLOWED = re.compile(r"""(CNN\ Playground|MNIST|Fashion-MNIST|LeNet[\w-]*|ResNet[\w-]*|PyTorch|
    ONNX|ReLU|Softmax|Sigmoid|Tanh|SGD|Adam|GELU|Conv2d|MaxPool2d|AvgPool2d|BatchNorm2d|
    Dropout|Flatten|Linear|Dense|T-shirt/top|Trouser|Pullover|Dress|Coat|Sandal|Shirt|
    Sneaker|Bag|Ankle\ boot|CC\ BY(?:-SA)?|API|JSON|PNG|JPEG|ZIP|CSV|URL|HTTP|MIT|
    \w+\.(?:py|json|zip|png))""",
                     re.X)
# Code in prose: `quoted`, identifiers_with_underscores, /paths, ?query=strings and ids
# (run-f937ffcf7d4e, lenet-mnist-shipped-20261124-078ce5).
CODE = re.compile(r"`[^`]*`|\b\w+_\w+\b|(?<!\w)/[\w/{}.-]*|\?\w+=\S*|\b[\w-]+-[0-9a-f]{6,}\b")
VISIBLE_TEXT = """() => {
  const skip = (el) => el.closest('code, pre, kbd, samp, script, style, [translate="no"], '
    + '.api-link, option:not(:checked)');
  const shown = (el) => el.checkVisibility ? el.checkVisibility() : true;
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    const text = walker.currentNode.textContent.trim();
    if (text && el && !skip(el) && shown(el)) texts.push(text);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    if (skip(el) || !shown(el)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
      const value = el.getAttribute(name);
      if (value && value.trim()) texts.push(value.trim());
    }
  }
  return texts;
}"""


def english_in(texts: list[str]) -> list[str]:
    """The texts with an English word in them once the allowed names are taken out."""
    found = []
    for text in texts:
        prose = CODE.sub(" ", ALLOWED.sub(" ", text))
        words = re.findall(r"[^\W\d_]+", prose.lower())  # whole words, accents included
        if any(word in ENGLISH for word in words):
            found.append(text)
    return found


@pytest.fixture
def room_code(browser: Any, base_url: str) -> Iterator[str]:
    context = browser.new_context(base_url=base_url)
    made = context.request.post("/api/rooms", data={"title": "Turma 3"})
    assert made.ok, made.text()
    yield made.json()["code"]
    context.close()


def _open(browser: Any, base_url: str, path: str, locale: str, **kwargs: Any) -> Any:
    context = browser.new_context(base_url=base_url, locale=locale, bypass_csp=True, **kwargs)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(path)
    page.wait_for_selector("body[data-state=idle]", state="attached")
    return page


def test_the_detector_finds_english_and_lets_names_through() -> None:
    assert english_in(["Train the model", "Treinar o modelo", "LeNet-5 em MNIST",
                       "Ankle boot", "Escolha um filtro", "Painéis até 80 caracteres",
                       "Desliza `filters` filtros de tamanho kernel_size", "abra /join",
                       "Licença: CC BY-SA 3.0", "Abrir a execução run-f937ffcf7d4e",
                       "subconjunto; built-in subset"]) == ["Train the model",
                                                          "subconjunto; built-in subset"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_in_portuguese_has_no_english_left(browser: Any, base_url: str,
                                                      room_code: str, path: str) -> None:
    page = _open(browser, base_url, path.format(code=room_code), "pt-BR")
    try:
        assert page.evaluate("document.documentElement.lang") == "pt-BR"
        page.wait_for_timeout(300)  # let late lists (presets, models) render
        left = english_in(page.evaluate(VISIBLE_TEXT))
        assert not left, f"English on {path} in pt-BR: {left[:20]}"
        if path in ("/builder", "/training"):
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"pt-BR{path.replace('/', '-')}.png"),
                            full_page=True)
    finally:
        page.context.close()


@pytest.mark.parametrize("locale", ["en-US", "pt-BR"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_language_or_label_problem(browser: Any, base_url: str, room_code: str,
                                                path: str, locale: str) -> None:
    page = _open(browser, base_url, path.format(code=room_code), locale)
    try:
        page.evaluate(AXE.read_text())
        result = page.evaluate("""() => axe.run(document, {runOnly: {type: 'rule', values: [
            'html-has-lang', 'html-lang-valid', 'html-xml-lang-mismatch', 'valid-lang',
            'label', 'select-name', 'button-name', 'link-name', 'aria-input-field-name',
            'input-button-name', 'label-title-only']}})""")
        problems = [(v["id"], [n["html"][:100] for n in v["nodes"]][:3])
                    for v in result["violations"]]
        assert not problems, problems
        assert result["passes"], "axe ran no rule"
    finally:
        page.context.close()


def test_the_switcher_works_from_the_keyboard_and_is_remembered(browser: Any,
                                                                 base_url: str) -> None:
    page = _open(browser, base_url, "/builder", "en-US")
    try:
        assert page.evaluate("document.documentElement.lang") == "en"
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "language-select":
                break
        else:
            pytest.fail("Tab never reached the language switcher")
        with page.expect_navigation():
            page.keyboard.press("ArrowDown")  # English -> Português (Brasil)
        page.wait_for_selector("body[data-state=idle]", state="attached")
        assert page.evaluate("document.documentElement.lang") == "pt-BR"
        page.goto("/training")  # remembered: no ?lang= in this address
        assert page.evaluate("document.documentElement.lang") == "pt-BR"
        assert page.locator("#language-select").input_value() == "pt-BR"
    finally:
        page.context.close()


def test_a_builder_error_is_shown_in_portuguese_at_its_field(browser: Any,
                                                            base_url: str) -> None:
    """The server's error type and values, rendered from the pt-BR catalogue next to the
    kernel size it is about; the English msg stays what the API sent."""
    spec = {"input": {"channels": 1, "height": 4, "width": 4},
            "layers": [{"type": "conv2d", "filters": 2, "kernel_size": 5}]}
    encoded = base64.urlsafe_b64encode(json.dumps(spec).encode()).decode().rstrip("=")
    context = browser.new_context(base_url=base_url, locale="pt-BR", bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(f"/builder#spec={encoded}")
        page.wait_for_selector("body[data-state=error]", state="attached")
        sent = page.request.post("/api/networks/summary", data=spec).json()["detail"][0]
        assert sent["type"] == "kernel_larger_than_input"
        english = ("kernel {kernel} is larger than the {input} input: {formula} < 1; reduce "
                   "kernel_size or add padding")
        portuguese = catalogue("pt-BR").scripts[english]
        expected = re.sub(r"\{(\w+)\}", lambda m: str(sent["ctx"][m.group(1)]), portuguese)
        layers = catalogue("pt-BR").scripts.get("Layers, first to last")
        card = page.get_by_role("list", name=layers).get_by_role("listitem").first
        note = card.locator('[data-loc="kernel_size"] .field-error')
        assert note.count() == 1
        assert note.text_content() == expected
        assert note.get_attribute("role") == "alert"
        assert expected != sent["msg"]
    finally:
        context.close()


def test_a_finished_run_reads_in_portuguese(browser: Any, base_url: str) -> None:
    """The Training page's live parts (status, progress, charts' labels, confusion matrix,
    replay) after a real run, in pt-BR; its screenshot goes with the empty form's."""
    tiny = {"input": {"channels": 1, "height": 28, "width": 28},
            "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2,
                        "padding": "same", "activation": "relu"},
                       {"type": "max_pool2d", "pool_size": 2}, {"type": "flatten"},
                       {"type": "dense", "units": 10, "activation": "softmax"}]}
    context = browser.new_context(base_url=base_url, locale="pt-BR", bypass_csp=True,
                                  viewport={"width": 1280, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        body = {"network": tiny, "dataset": "mnist", "training": {
            "epochs": 1, "batch_size": 32, "max_train_samples": 600}}
        made = page.request.post("/api/runs", data=body)
        assert made.ok, made.text()
        page.goto(f"/training#run={made.json()['id']}")
        page.wait_for_selector("body[data-run-status=finished]", timeout=120_000)
        page.wait_for_selector("body[data-state=finished]", state="attached")
        assert page.evaluate("document.documentElement.lang") == "pt-BR"
        left = english_in(page.evaluate(VISIBLE_TEXT))
        assert not left, f"English on a finished run in pt-BR: {left[:20]}"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "pt-BR-training-finished.png"), full_page=True)
    finally:
        context.close()
