import pytest

from nerel_mtl.brat import (
    BratError,
    Entity,
    format_entity,
    parse_annotations,
    read_document,
    split_lines,
)


def write_pair(folder, text, ann, name="doc"):
    (folder / f"{name}.txt").write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    (folder / f"{name}.ann").write_bytes(ann if isinstance(ann, bytes) else ann.encode("utf-8"))
    return folder / f"{name}.txt"


def kinds(annotations):
    return [problem.kind for problem in annotations.problems]


def test_entity_single_fragment():
    text = "Иван Петров живёт в Москве."
    annotations = parse_annotations(["T1\tPERSON 0 11\tИван Петров"], text)
    assert annotations.entities == [Entity("T1", "PERSON", ((0, 11),), "Иван Петров")]
    assert annotations.problems == []


def test_fragments_out_of_text_order():
    text = "министр иностранных и внутренних дел"
    line = "T1\tPROFESSION 22 36;0 19\tвнутренних дел министр иностранных"
    annotations = parse_annotations([line], text)
    entity = annotations.entities[0]
    assert entity.fragments == ((22, 36), (0, 19))
    assert entity.start == 0
    assert entity.stop == 36
    assert annotations.problems == []


def test_format_entity_round_trip():
    line = "T3\tPROFESSION 22 36;0 19\tвнутренних дел министр иностранных"
    entity = parse_annotations([line], "министр иностранных и внутренних дел").entities[0]
    assert format_entity(entity) == line


def test_mention_mismatch_reported_and_kept():
    annotations = parse_annotations(["T1\tCITY 0 6\tМосква"], "Казань и Москва")
    assert len(annotations.entities) == 1
    assert kinds(annotations) == ["mismatch"]
    assert "Москва" in annotations.problems[0].message


def test_stray_line_without_id():
    lines = ["T1\tCITY 0 6\tКазань", "По словам очевидцев", "R1\tLOCATED_IN Arg1:T1 Arg2:T1"]
    annotations = parse_annotations(lines, "Казань", source="x.ann")
    assert len(annotations.entities) == 1
    assert len(annotations.relations) == 1
    assert kinds(annotations) == ["malformed"]
    assert annotations.problems[0].line == 2
    assert str(annotations.problems[0]).startswith("x.ann:2:")


def test_unused_line_kinds_counted():
    lines = ["T1\tCITY 0 6\tКазань", "A1\tNegated T1", "E1\tEVENT:T1", "#1\tAnnotatorNotes T1\tnote"]
    annotations = parse_annotations(lines, "Казань")
    assert kinds(annotations) == ["unsupported"] * 3
    assert len(annotations.entities) == 1


@pytest.mark.parametrize("line", [
    "T1\tCITY 0 x\tКазань",
    "T1\tCITY 0 6",
    "R1\tLOCATED_IN T1 T2",
    "N1\tReference T1",
])
def test_malformed_lines(line):
    annotations = parse_annotations([line], "Казань")
    assert kinds(annotations) == ["malformed"]


def test_offsets_outside_text():
    annotations = parse_annotations(["T1\tCITY 0 60\tКазань"], "Казань")
    assert kinds(annotations) == ["invalid_offsets"]
    assert annotations.entities == []


def test_relation_unknown_argument_dropped():
    lines = ["T1\tCITY 0 6\tКазань", "R1\tLOCATED_IN Arg1:T1 Arg2:T9"]
    annotations = parse_annotations(lines, "Казань")
    assert annotations.relations == []
    assert kinds(annotations) == ["unknown_argument"]
    assert annotations.problems[0].line == 2


def test_link_parsed():
    lines = ["T1\tCITY 0 6\tКазань", "N1\tReference T1 Wikidata:Q900\tКазань"]
    link = parse_annotations(lines, "Казань").links[0]
    assert (link.target, link.reference, link.name) == ("T1", "Wikidata:Q900", "Казань")


def test_duplicate_entities_both_kept():
    lines = ["T1\tCITY 0 6\tКазань", "T2\tCITY 0 6\tКазань"]
    annotations = parse_annotations(lines, "Казань")
    assert len(annotations.entities) == 2
    assert annotations.problems == []


def test_nbsp_and_yo_in_mention():
    text = "Пётр\u00a0Ёлкин приехал."
    annotations = parse_annotations(["T1\tPERSON 0 10\tПётр\u00a0Ёлкин"], text)
    assert annotations.entities[0].text == "Пётр\u00a0Ёлкин"
    assert annotations.problems == []


def test_split_lines_bom_crlf_blank():
    assert split_lines("\ufeffT1\tCITY 0 6\tКазань\r\n\r\nR1\tX Arg1:T1 Arg2:T1\r\n") == [
        "T1\tCITY 0 6\tКазань", "", "R1\tX Arg1:T1 Arg2:T1", ""]


def test_read_document_ann_with_bom_and_crlf(tmp_path):
    path = write_pair(tmp_path, "Казань\n", b"\xef\xbb\xbfT1\tCITY 0 6\t\xd0\x9a\xd0\xb0\xd0\xb7\xd0\xb0\xd0\xbd\xd1\x8c\r\n")
    document = read_document(path)
    assert document.annotations.entities[0].id == "T1"
    assert document.annotations.problems == []
    assert document.annotations.blank_lines == 1


def test_text_crlf_kept(tmp_path):
    text = "Привет.\r\nКазань"
    path = write_pair(tmp_path, text, "T1\tCITY 9 15\tКазань\n")
    document = read_document(path)
    assert document.text == text
    assert document.annotations.problems == []


def test_text_bom_stripped_when_offsets_need_it(tmp_path):
    path = write_pair(tmp_path, "\ufeffКазань", "T1\tCITY 0 6\tКазань\n")
    document = read_document(path)
    assert document.text == "Казань"
    assert document.annotations.problems == []


def test_text_bom_kept_when_offsets_count_it(tmp_path):
    path = write_pair(tmp_path, "\ufeffКазань", "T1\tCITY 1 7\tКазань\n")
    document = read_document(path)
    assert document.text == "\ufeffКазань"
    assert document.annotations.problems == []


def test_empty_ann(tmp_path):
    document = read_document(write_pair(tmp_path, "Текст без сущностей.", ""))
    assert document.annotations.entities == []
    assert document.annotations.problems == []


def test_non_utf8_text_error(tmp_path):
    path = write_pair(tmp_path, "Казань".encode("cp1251"), "")
    with pytest.raises(BratError, match=r"doc\.txt: invalid UTF-8"):
        read_document(path)


def test_missing_ann_error(tmp_path):
    (tmp_path / "doc.txt").write_text("Казань", encoding="utf-8")
    with pytest.raises(BratError, match=r"doc\.ann: file not found"):
        read_document(tmp_path / "doc.txt")
