"""Normalised views and template parsing: offsets always map back to the original text."""

from collectrules.content import normalize
from collectrules.content.template import parse_template, split_front_matter


def test_loose_view_ignores_case_space_punctuation_and_width():
    assert normalize.loose("Reply  'STOP'") == normalize.loose("reply stop") == "replystop"
    assert normalize.loose("Ｒｅｐｌｙ　ＳＴＯＰ！") == "replystop"          # full-width forms
    assert normalize.loose("ｶﾀｶﾅ") == normalize.loose("カタカナ")              # half-width katakana


def test_loose_view_spans_map_to_original_offsets():
    text = "Ｒｅｐｌｙ, ＳＴＯＰ now"
    v = normalize.build_view(text, normalize.LOOSE)
    i = v.text.find("replystop")
    s, e = v.span(i, i + len("replystop"))
    assert text[s:e] == "Ｒｅｐｌｙ, ＳＴＯＰ"


def test_pattern_view_collapses_whitespace_across_placeholders():
    text = "reply {{ x }}\u3000 STOP"
    tpl = parse_template(text)
    v = normalize.build_view(text, normalize.PATTERN, tpl.wording)
    assert v.text == "reply stop"
    s, e = v.span(0, len(v.text))
    assert (s, e) == (0, len(text))


def test_combining_marks_compare_equal_to_precomposed():
    assert normalize.loose("cafe\u0301") == normalize.loose("café")


def test_template_placeholders_and_blocks():
    text = "Hi {{ first_name | title }}, {name}! {% if x %}A{% else %}B{% endif %}{# note #}"
    tpl = parse_template(text)
    assert [p.name for p in tpl.placeholders] == ["first_name", "name"]
    assert tpl.syntax_error is None
    kinds = [it[0] for it in tpl.root.items]
    assert "if" in kinds
    wording = "".join(text[s:e] for s, e in tpl.wording)
    assert "{" not in wording and "A" in wording and "B" in wording


def test_template_syntax_error_is_reported_with_line():
    tpl = parse_template("line one\n{% if x %}never closed")
    assert tpl.syntax_error is not None and tpl.syntax_error[0] >= 1


def test_front_matter_split_keeps_body_offset():
    text = "---\nchannel: sms\nlanguage: en\n---\nHello there"
    sc = split_front_matter(text)
    assert sc.meta == {"channel": "sms", "language": "en"}
    assert text[sc.body_offset:] == "Hello there" == sc.body


def test_front_matter_errors_do_not_raise():
    assert split_front_matter("---\nchannel: [\n---\nx").meta_error
    assert split_front_matter("---\nno close").meta_error
    assert split_front_matter("- a\n").meta == {}


# --- the ASCII fast path builds the same views as the general path ---------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from collectrules.content import normalize as _n  # noqa: E402


def _slow(text, mode, ranges, skeleton_view):
    # a non-ASCII character outside the ranges forces the general path without changing the view
    t = text + "\u00e9"
    v = _n.build_view(t, mode, ranges, None, False, skeleton_view)
    return v.text, v.starts, v.ends


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list("aZb9 -_*~^'.,\t\n\x00\x7f$<>xY")), max_size=40),
       mode=st.sampled_from([_n.LOOSE, _n.PATTERN]), skeleton_view=st.booleans(),
       cut=st.integers(0, 40), gap=st.integers(0, 5))
def test_ascii_fast_path_equals_general_path(text, mode, skeleton_view, cut, gap):
    text = text.replace("<", "(").replace("&", "+")
    n = len(text)
    c = min(cut, n)
    ranges = ((0, c), (min(n, c + gap), n)) if c < n else ((0, n),)
    fast = _n.build_view(text, mode, ranges, None, False, skeleton_view)
    assert (fast.text, fast.starts, fast.ends) == _slow(text, mode, ranges, skeleton_view)
