"""Places a question limits itself to (assistant/places.py): fast, no model."""

from assistant.places import asked_place, mentions_place


def test_a_law_or_legal_regime_limits_a_question_to_its_place():
    assert asked_place("How long does copyright last for photographs under Brazilian law?") == "brazilian"
    assert asked_place("Under Japanese copyright law, can I train a model?") == "japanese"
    assert asked_place("Is there a TDM exception under UK law?") == "british"
    assert asked_place("What does the law of Singapore say about text and data mining?") == "singaporean"
    # a party's nationality or a named provision limits nothing
    assert asked_place("What did the German collecting society GEMA claim?") is None
    assert asked_place("What does Japan's Article 30-4 allow?") is None


def test_a_passage_is_of_a_place_by_its_words_or_its_documents_jurisdiction():
    assert mentions_place("brazilian", "The Brazilian suits are pending.")
    assert mentions_place("british", "The UK consultation closed in February.")
    assert mentions_place("american", "Section 107 lists four factors.", "US")
    assert not mentions_place("brazilian", "Section 107 lists four factors.", "US")
    assert not mentions_place("american", "He thus argued the point.")  # 'us' is a word, 'US' the country


def test_an_exception_or_approach_of_a_place_limits_the_question_too():
    assert asked_place("What does Singapore's computational data analysis exception allow?") == "singaporean"
    assert asked_place("What is the UK's approach to text and data mining?") == "british"


def test_a_citys_or_regions_name_is_a_place():
    from assistant.places import is_place
    assert is_place(("london",)) and is_place(("new", "york")) and is_place(("germany",))
    assert not is_place(("getty",)) and not is_place(("new",)) and not is_place(())


def test_the_countries_a_question_names_not_its_cities_or_the_us():
    from assistant.places import places_named

    assert places_named("Has Australia brought in a text and data mining exception for AI training?") == ["australian"]
    assert places_named("Can a company in Japan train a commercial AI model?") == ["japanese"]
    assert places_named("What did the Munich court decide in GEMA v. OpenAI?") == []  # (a city: the case is German)
    assert places_named("Can a wholly AI-generated work be registered in the US?") == []
