from cotscope.cli._text_table import text_table


def test_columns_align_to_their_widest_cell() -> None:
    rows = [("0", "control", "2.0%"), ("500", "a", "10.5%")]
    out = text_table("s: m", ("step", "family", "rate"), rows, left=("family",))
    lines = out.splitlines()
    assert lines[0] == "s: m" and lines[1] == ""
    assert lines[2] == "  step   family     rate"
    assert set(lines[3].strip()) == {"─"} and len(lines[3]) == len(lines[2])
    assert lines[4] == "     0   control    2.0%"
    assert lines[5] == "   500   a         10.5%"


def test_an_empty_table_keeps_its_header() -> None:
    assert text_table("t", ("a", "bb"), []).splitlines()[2] == "  a   bb"
