from assistant.text import content_words, sentence_spans, stem


def test_sentences_keep_legal_abbreviations_together():
    t = "The case is Bartz v. Anthropic PBC in the N.D. Cal. court. It settled for $1.5 billion. Next one."
    got = [t[a:b] for a, b in sentence_spans(t)]
    assert got == ["The case is Bartz v. Anthropic PBC in the N.D. Cal. court.", "It settled for $1.5 billion.",
                   "Next one."]


def test_bullets_and_headings_are_separate_units():
    t = "## Key dates\n\n- 2024-08-19: Filed in court.\n- 2025-06-23: Ruled on fair use.\n"
    got = [t[a:b] for a, b in sentence_spans(t)]
    assert got == ["2024-08-19: Filed in court.", "2025-06-23: Ruled on fair use."]


def test_wrapped_lines_join_but_short_title_lines_do_not():
    t = "A Title Line\nThe exception does not apply where the use would unreasonably prejudice the\ninterests of the owner.\n"
    got = [t[a:b] for a, b in sentence_spans(t)]
    assert got[0] == "A Title Line"
    assert got[1].startswith("The exception") and got[1].endswith("owner.")


def test_spans_are_exact_slices():
    t = "  First sentence here.  Second one!\n\n* Third item?\n"
    for a, b in sentence_spans(t):
        assert t[a:b] == t[a:b].strip() and t[a:b]


def test_content_words_drop_stopwords_and_stem():
    assert "the" not in content_words("What did the court rule")
    assert stem("rulings") == stem("ruling")
    assert stem("settlement") == stem("settlements")


def test_text_written_a_phrase_per_line_reads_as_sentences():
    t = ("The first copyright law was the Statute of Anne, \nCreated by an Act of Parliament in 1710.\n"
         "This can be between $750 to $30,000 per work \n(and up to $150,000 if willful).\n"
         "The following apply\n(a) one point;\n(b) another.\n")
    got = [" ".join(t[a:b].split()) for a, b in sentence_spans(t)]
    assert got[0] == "The first copyright law was the Statute of Anne, Created by an Act of Parliament in 1710."
    assert got[1] == "This can be between $750 to $30,000 per work (and up to $150,000 if willful)."
    assert "(a) one point;" in got and "The following apply" in got  # a point's label starts its own line


def test_a_points_letter_at_the_start_of_its_line_stays_with_the_point():
    text = ("The email contains the following statements:\na. Defendants own the software;\nb. Plaintiff \u201cbribed "
            "authorities.\u201d\nHe listed a. b. and c. in a row.")
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == ["The email contains the following statements:", "a. Defendants own the software;",
                   "b. Plaintiff \u201cbribed authorities.\u201d", "He listed a. b. and c. in a row."]
