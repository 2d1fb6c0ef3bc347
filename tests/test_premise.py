"""False-premise checks (assistant/premise.py) on hand-written texts: fast, no model, no index."""

from __future__ import annotations

import datetime as dt

from assistant.premise import check, records, relative_period
from assistant.query import read_question

GETTY = ("Getty Images sued Stability AI in the High Court of England and Wales. On 4 November 2025 the court "
         "dismissed the secondary infringement claim. Getty was refused permission to appeal in part.")
DMA = ("Article 30. In its non-compliance decision, the Commission may impose on a gatekeeper fines not exceeding "
       "10 % of its total worldwide turnover in the preceding financial year.")


def _missing(question: str, texts: dict[str, str], resolved: set[str] = frozenset()) -> list[str]:
    q = read_question(question)
    q.resolved = set(resolved)
    return check(q, texts).missing


def test_a_year_or_court_the_documents_never_name_is_missing():
    assert _missing("What did the Ninth Circuit hold in 2028 in Getty v. Stability?", {"g": GETTY}) == [
        "2028", "the Ninth Circuit"]


def test_a_court_named_by_its_country_adjective_is_found_under_the_country():
    assert _missing("Why did the claim fail in the English High Court?", {"g": GETTY}) == []
    assert _missing("Why did the claim fail in the German High Court?", {"g": GETTY}) == ["the German High Court"]


def test_a_possibility_or_a_yes_no_question_takes_nothing_for_granted():
    assert _missing("What output did the judge say a jury could find infringing?", {"g": GETTY}) == []
    assert _missing("Has there been a settlement between Getty and Stability?", {"g": GETTY}) == []
    assert _missing("When did Getty and Stability settle?", {"g": GETTY}) == ["a settlement"]


def test_the_party_an_event_happened_to_must_be_in_the_documents_even_when_it_names_another():
    assert _missing("How much did the Commission fine Apple under Article 30?", {"dma": DMA},
                    resolved={"Apple", "Commission"}) == ["Apple", "a fine"]  # 'may impose fines' is no fine
    # an acronym the linker resolved ('DMA' for the Digital Markets Act) need not be spelt out in the text
    assert _missing("How much can the Commission fine a gatekeeper under the DMA?", {"dma": DMA},
                    resolved={"DMA", "Commission"}) == []


def test_a_premise_any_of_the_documents_records_is_supported():
    other = "In a separate case the Ninth Circuit affirmed a fair use ruling in 2024."
    assert _missing("What did the Ninth Circuit hold in 2024?", {"g": GETTY, "o": other}) == []
    assert _missing("What did the Ninth Circuit hold in 2024?", {}) == []  # nothing to judge against: no flag


def test_a_mention_that_a_negation_possibility_request_or_bound_takes_back_records_no_event():
    settle = r"\bsettl\w*"
    assert records(settle, "The parties settled in March 2025.")
    assert not records(settle, "No settlement has been reached. Settlement talks broke down in May.")
    assert not records(r"\bdamages\b", "Getty seeks damages of $1.7 trillion.")
    assert records(r"\bdamages\b", "Getty seeks an injunction. The jury awarded damages of $5 million.")
    assert not records(r"\bfined?\b|\bfines\b", "Providers may face fines of up to 3 % of turnover.")
    assert not records(r"\binjunct\w*", "The court denied the motion for a preliminary injunction.")
    assert records(r"\binjunct\w*", "The court granted the motion for a preliminary injunction.")
    assert records(r"\bruled\b", "In May 2025 the court ruled for the authors.")  # the month is no modal verb
    assert not records(r"\bruled\b", "No court has ruled on the question.")


def test_an_event_the_documents_only_mention_as_possible_is_missing_unless_the_question_asks_so_too():
    text = "The claimants seek damages and an injunction. No settlement has been reached."
    assert _missing("How much in damages did the court award the claimants?", {"d": text}) == ["damages"]
    assert _missing("When did the parties settle?", {"d": text}) == ["a settlement"]
    assert _missing("What damages do the claimants seek?", {"d": text}) == []
    assert _missing("Could the claimants get damages?", {"d": text}) == []


KNESCHKE = ("On 10 December 2025 the Higher Regional Court of Hamburg dismissed the appeal and allowed a further appeal "
            "to the Federal Court of Justice. No decision of the Federal Court of Justice had been found by October.")
ROSS = ("Judge Bibas reversed his own 2023 view. On 29 September 2026 the Third Circuit affirmed Judge Bibas.")


def test_a_court_named_only_as_where_an_appeal_goes_has_not_ruled():
    assert _missing("What did the Federal Court of Justice hold in Kneschke?", {"k": KNESCHKE}) == [
        "a ruling by the Federal Court"]
    assert _missing("What did the Higher Regional Court of Hamburg decide?", {"k": KNESCHKE}) == []
    # a yes/no question asks whether; it takes no ruling for granted
    assert _missing("Did the Federal Court of Justice rule in Kneschke?", {"k": KNESCHKE}) == []


def test_a_court_that_ruled_otherwise_than_the_question_says():
    assert _missing("Why did the Third Circuit reverse Judge Bibas?", {"r": ROSS}) == ["a reversal by the Third Circuit"]
    assert _missing("Why did the Third Circuit affirm Judge Bibas?", {"r": ROSS}) == []


def test_a_courts_own_opinion_records_its_ruling_in_the_first_person():
    opinion = "UNITED STATES COURT OF APPEALS FOR THE FEDERAL CIRCUIT\nOracle v. Google.\n\nWe reverse and remand."
    assert _missing("What did the Federal Circuit decide about the API packages?", {"o": opinion}) == []
    assert _missing("Why did the Federal Circuit affirm?", {"o": opinion}) == ["an affirmance by the Federal Circuit"]


def test_a_jury_that_has_not_sat_has_returned_no_verdict():
    text = "A jury trial is set for April 2027. No damages have been awarded."
    assert _missing("How much did the jury award the artists?", {"a": text}) == ["a jury verdict"]
    assert _missing("How much did the jury award the artists?", {"a": "The jury awarded the artists $5 million."}) == []
    assert _missing("Why did the jury find OpenAI liable?", {"m": "Judge Stein held that a jury could find some "
                                                                  "OpenAI outputs similar."}) == ["a jury verdict"]


def test_a_supreme_court_slip_opinion_is_the_courts_own_ruling_and_a_present_tense_question_asks_no_event():
    slip = ("(Slip Opinion) OCTOBER TERM, 2025\nCERTIORARI TO THE UNITED STATES COURT OF APPEALS FOR THE SIXTH "
            "CIRCUIT\n\nThe Court rejects the argument.\n\nJustice Gorsuch, concurring. I join the Supreme Court's "
            "opinion.")
    assert _missing("Who wrote the Supreme Court's majority opinion?", {"s": slip}) == []
    assert _missing("How are fines under Article 99 capped for start-ups?", {"a": "It may impose fines of up to 3 %."}) == []
    assert _missing("Why was the start-up fined?", {"a": "It may impose fines of up to 3 %."}) == ["a fine"]


def test_an_acronym_the_documents_spell_out_is_recorded():
    text = "It is a crime to remove copyright management information for commercial advantage; the penalty is a fine."
    assert _missing("What penalty applies to removing CMI for profit?", {"t": text}) == []
    assert _missing("What penalty applies to removing DRM for profit?", {"t": text}) == ["DRM"]


def test_a_decision_the_question_says_a_court_made_about_someone_must_be_recorded_about_them():
    order = ("Cisco moves to exclude the opinions of Dr. Goodrich. The Court DENIES Cisco's motion to exclude "
             "Dr. Goodrich's opinion.\n\nBecause the Court has granted Cisco's motion to exclude Dr. Valerdi's "
             "estimate, the dependent opinion is excluded too.")
    q = read_question("Why did the court exclude the opinions of Dr. Goodrich?")
    q.owners = {"Dr. Goodrich": set()}  # the linker found no document named after him
    assert check(q, {"o": order}).missing == ["a decision to exclude"]
    q = read_question("Why did the court exclude the opinion of Dr. Valerdi?")
    q.owners = {"Dr. Valerdi": set()}
    assert check(q, {"o": order}).missing == []


LABELS = ("In late 2025 several labels settled: UMG settled with Udio on October 29, 2025, and Warner Music Group (WMG) "
          "settled with Suno on November 25, 2025.\n\nUMG and Sony are still suing Suno, so Suno has settled only "
          "with Warner.\n\nThe UMG\u2013Udio and WMG\u2013Suno settlements show litigation turning into licensing.")


def test_an_event_between_two_parties_needs_both_of_them_at_it():
    assert _missing("What licensing terms did UMG get when it settled its lawsuit with Suno?", {"l": LABELS}) == [
        "a settlement between UMG and Suno"]
    assert _missing("When did Sony settle with Udio?", {"l": LABELS}) == ["a settlement between Sony and Udio"]
    assert _missing("What did UMG get when it settled with Udio?", {"l": LABELS}) == []
    # a party under another name the text gives it: 'Warner Music Group (WMG)'
    assert _missing("When did WMG settle with Suno?", {"l": LABELS}) == []
    assert _missing("When did Warner Music Group settle with Suno?", {"l": LABELS}) == []
    # no counter-party named after the event: nothing to pair
    assert _missing("How much did Suno pay when it settled?", {"l": LABELS}) == []


ROSS = ("Judge Bibas certified the questions for interlocutory appeal in April 2025.\n\nOn 29 September 2026 the "
        "Third Circuit affirmed Judge Bibas and rejected the fair-use defence.")


def test_a_time_given_relative_to_today_must_date_the_event():
    def missing(question, today):
        return check(read_question(question), {"r": ROSS}, today=dt.date(*today)).missing

    assert missing("The Third Circuit affirmed Bibas last spring, right?", (2026, 12, 2)) == [
        "an affirmance in spring 2026"]
    assert missing("The Third Circuit affirmed Bibas last fall, right?", (2026, 12, 2)) == []
    assert missing("Why did the Third Circuit affirm Bibas last month?", (2026, 10, 15)) == []
    assert missing("Why did the Third Circuit affirm Bibas last year?", (2026, 10, 15)) == ["an affirmance in 2025"]
    # seasons roll over at their end, and winter spans the new year
    assert relative_period("last spring", dt.date(2026, 4, 1))[0] == "spring 2025"
    assert relative_period("last winter", dt.date(2026, 12, 2))[1] == {(2025, 12), (2026, 1), (2026, 2)}
    assert relative_period("What happened in the spring of 2026?", dt.date(2026, 12, 2)) is None


ORDER = ("Present: The Honorable JANE Q. ROE\n\nOn August 20, 2018, the Magistrate Judge awarded defendants monetary "
         "sanctions under Rule 37. At this juncture, the Court will not allow defendants to inform the jury of the "
         "Magistrate Judge's finding of sanctions. Judge Smith had denied an earlier motion.\n\nThe Court GRANTS the "
         "motion for a preliminary injunction.")


def test_an_act_the_question_says_a_judge_did_must_be_that_judges():
    # the order records sanctions, but the magistrate judge's; the judge's own order speaks of her as 'the Court'
    assert _missing("What monetary sanctions did Judge Roe impose on the defendants?", {"o": ORDER}) == [
        "sanctions by Judge Roe"]
    assert _missing("What preliminary injunction did Judge Roe grant?", {"o": ORDER}) == []
    # another judge's order does not speak of Judge Smith as 'the Court'
    assert _missing("What preliminary injunction did Judge Smith grant?", {"o": ORDER}) == [
        "an injunction by Judge Smith"]
    # a judge who set a trial, not one who awarded something: nothing to check
    assert _missing("Why did the Magistrate Judge award sanctions?", {"o": ORDER}) == []


SLIP = ("SUPREME COURT OF THE UNITED STATES\n\nArgued November 4, 2025\u2014Decided January 20, 2026\n\n"
        "The Court holds that Rule 60(c)(1) applies to motions under Rule 60(b)(4).")


def test_a_decision_asked_about_at_a_relative_time_must_be_dated_then():
    def missing(question, today=(2026, 12, 2)):
        return check(read_question(question), {"s": SLIP}, today=dt.date(*today)).missing

    # the decision is dated by the date nearest to it ('Decided January 20, 2026'), not the argument's
    assert missing("Why did the Supreme Court hold last year that Rule 60(c)(1) applies?") == [
        "a decision in 2025"]
    assert missing("Why did the Supreme Court hold this year that Rule 60(c)(1) applies?") == []
    assert missing("Why did the Supreme Court hold last year that Rule 60(c)(1) applies?", (2027, 2, 1)) == []


DOCKET = ("On 15 June 2026, Magistrate Judge Ann Poe restricted the defendant's discovery into the studios' own use "
          "of AI to consumer-facing uses. In July the defendant asked Judge Roe to set that order aside. On 29 June "
          "2026 Judge Roe refused the label's bid to add about 30,000 recordings to the case. Judge Roe granted "
          "preliminary approval of the settlement in 2025, and on 20 July 2026 Judge Doe granted final approval of "
          "the settlement.")


def test_an_act_the_documents_record_as_another_judges_was_not_the_asked_judges():
    # the clause with the verb and most of the words after it in the question says who did it
    assert _missing("Why did Judge Roe restrict the defendant's discovery into the studios' own use of AI?",
                    {"d": DOCKET}) == ["a decision by Judge Roe to restrict"]
    assert _missing("Why did Judge Poe restrict the defendant's discovery into the studios' own use of AI?",
                    {"d": DOCKET}) == []
    # 'final approval' is Judge Doe's; Judge Roe's was the preliminary one
    assert _missing("When did Judge Roe grant final approval of the settlement?", {"d": DOCKET}) == [
        "a decision by Judge Roe to grant"]
    assert _missing("When did Judge Doe grant final approval of the settlement?", {"d": DOCKET}) == []
    assert _missing("When did Judge Roe grant preliminary approval of the settlement?", {"d": DOCKET}) == []


def test_a_judge_who_refused_what_the_question_says_was_allowed():
    assert _missing("Why did Judge Roe let the label add about 30,000 recordings to the case?", {"d": DOCKET}) == [
        "a decision by Judge Roe to let"]
    assert _missing("Why did Judge Roe refuse the label's bid to add about 30,000 recordings?", {"d": DOCKET}) == []


def test_an_act_nobody_is_named_for_or_a_ruling_is_not_judged_by_its_agent():
    unnamed = "The court restricted the defendant's discovery into the studios' own use of AI."
    assert _missing("Why did Judge Roe restrict the defendant's discovery into the studios' own use of AI?",
                    {"d": unnamed}) == []
    # a ruling no clause gives to another judge is not judged by its agent
    assert _missing("When did Judge Roe rule on the studios' own use of AI?", {"d": DOCKET}) == []
    # a compound word is no negation: 'consumer-facing' does not take back what the question says happened
    assert _missing("Why did Judge Roe restrict discovery to consumer-facing uses?", {"d": DOCKET}) == [
        "a decision by Judge Roe to restrict"]


DEALS = ("Disney licensed its characters to OpenAI for Sora in December 2025. Nikkei and the Asahi Shimbun sued "
         "Perplexity in Tokyo.")


def test_a_suit_or_licence_between_two_parties_needs_both_of_them_at_it():
    assert _missing("What did Disney get when it licensed its characters to Google?", {"d": DEALS}) == [
        "a licence between Disney and Google"]
    assert _missing("What did Disney get when it licensed its characters to OpenAI?", {"d": DEALS}) == []
    assert _missing("Why did Nikkei sue OpenAI?", {"d": DEALS}) == ["a lawsuit between Nikkei and OpenAI"]
    assert _missing("Why did Nikkei sue Perplexity?", {"d": DEALS}) == []


def test_a_caption_records_the_suit_between_its_two_sides():
    q = read_question("What happened to Warner Bros. Discovery's lawsuit against Midjourney?")
    text = {"w": "The studio's complaint was consolidated into the Disney case in November 2025."}
    assert check(q, text, {"w": "Warner Bros. Discovery v. Midjourney"}).missing == []
    assert check(q, text, {"w": "Disney v. Midjourney"}).missing == [
        "a lawsuit between Warner Bros. Discovery and Midjourney"]


def test_a_request_the_question_says_was_decided_dates_the_decision():
    text = {"d": "On 10 March 2026 the court turned down the agency's request for an interim injunction."}

    def missing(question, today):
        return check(read_question(question), text, today=dt.date(*today)).missing

    asked = "Why did the court turn down the agency's request for an interim injunction last month?"
    assert missing(asked, (2026, 12, 2)) == ["a decision in November 2026"]
    assert missing(asked, (2026, 4, 2)) == []
    # what was only asked for need not have happened, so nothing is dated
    assert missing("What did the agency request last month?", (2026, 12, 2)) == []


def test_a_decision_the_question_says_a_named_judge_made_must_be_recorded():
    denied = {"d": "Cisco moves to exclude the opinions of Dr. Goodrich. The Court DENIES Cisco's motion."}
    barred = {"d": "Judge Roe barred Dr. Goodrich from testifying about the source code."}
    question = "Why did Judge Roe bar Dr. Goodrich from giving his opinions at trial?"
    assert _missing(question, denied) == ["a decision to bar"]
    assert _missing(question, barred) == []  # 'barred': the verb's doubled consonant


def test_damages_the_question_says_were_awarded_need_an_award_not_a_mention():
    findings = {"t": "TCL's claim for contract damages fails: no damages will flow from any breach. The royalty award "
                     "is based on the incremental value of the patents."}
    assert _missing("How much in contract damages did the court award TCL?", findings) == ["an award of damages"]
    awarded = {"t": "The court awarded TCL $16 million in damages for the breach."}
    assert _missing("How much in contract damages did the court award TCL?", awarded) == []
    verdict = {"t": "The jury returned a verdict of $2.8 million in damages against the defendants."}
    assert _missing("How much in damages did the jury award the plaintiffs?", verdict) == []
    assert _missing("What damages does TCL seek?", findings) == []  # a claim, not an award


def test_a_licence_the_question_says_a_party_took_must_be_recorded_with_that_party():
    text = {"o": "Oracle offers three different licenses for Java. Google and Sun discussed the possibility of Google "
                 "taking a license. Sun did not grant Google a license, and Google built Android instead."}
    assert _missing("Which of Oracle's licences did Google sign before releasing Android?", text) == [
        "a licence with Google"]
    took = {"o": "Oracle offers three different licenses for Java. Samsung signed the Commercial License in 2010."}
    assert _missing("Which of Oracle's licences did Samsung sign?", took) == []


def test_a_holding_or_denial_the_documents_give_to_another_judge_was_not_the_asked_judges():
    text = ("On 31 July 2026 Judge Paul A. Engelmayer let the anti-circumvention claim proceed, holding that the "
            "SearchGuard tool is an access control. On 24 April 2026 Judge Trina L. Thompson denied most of the motion "
            "to dismiss the refiled complaint.")
    # (an initial ends no clause, and a middle initial is part of the asked judge's name)
    assert _missing("Why did Judge Failla hold that the SearchGuard tool is an access control?", {"d": text}) == [
        "a ruling by Judge Failla"]
    assert _missing("Why did Judge Engelmayer hold that the SearchGuard tool is an access control?", {"d": text}) == []
    # a motion the question says was denied is a decision that happened; 'deny' is recorded as 'denied'
    assert _missing("Why did Judge Gregory B. Williams deny most of the motion to dismiss the refiled complaint?",
                    {"d": text}) == ["a decision by Judge Williams to deny"]
    assert _missing("Why did Judge Thompson deny most of the motion to dismiss the refiled complaint?",
                    {"d": text}) == []


def test_a_court_acts_in_the_case_the_question_names_not_in_a_case_its_own_name_links_to():
    texts = {"ross": "ROSS appealed, and the Third Circuit affirmed. Whether ROSS sought certiorari was not found.",
             "cox": "The Supreme Court held that Cox was not contributorily liable."}
    q = read_question("Why did the U.S. Supreme Court refuse to hear ROSS Intelligence's appeal?")
    q.owners = {"U.S. Supreme Court": {"cox"}, "ROSS Intelligence": {"ross"}}
    assert check(q, texts).missing == ["a ruling by the Supreme Court"]
    q.owners = {"U.S. Supreme Court": {"cox"}, "ROSS Intelligence": {"ross", "cox"}}
    assert check(q, texts).missing == []  # (a name of the case points at the Cox document too)
    # a case named by its caption is where its courts acted, not the other cases of a provision it names
    texts = {"andersen": "Judge Orrick dismissed the section 1202 claims in August 2024.",
             "s1202": "The Ninth Circuit affirmed the dismissal of the section 1202 claims in Doe v. GitHub."}
    q = read_question("Why did the Ninth Circuit revive the section 1202 claims in Andersen v. Stability AI?")
    q.owners = {"Andersen v. Stability AI": {"andersen"}, "section 1202": {"s1202"}}
    assert check(q, texts).missing == ["a ruling by the Ninth Circuit"]
    q = read_question("Why did the Ninth Circuit affirm the dismissal of the section 1202 claims in Doe v. GitHub?")
    q.owners = {"Doe v. GitHub": {"s1202"}}
    assert check(q, texts).missing == []


def test_an_act_the_question_dates_must_be_dated_then_when_the_documents_date_it():
    later = {"d": "On March 18, 2025, the D.C. Circuit ruled that a human author is required. On March 2, 2026, the "
                  "Supreme Court denied Thaler's petition for certiorari."}
    asked = "When the Supreme Court denied Thaler's certiorari petition in March 2025, which holding stood?"
    assert _missing(asked, later) == ["\u201cdenied Thaler's certiorari petition\u201d in March 2025"]
    assert _missing(asked.replace("2025", "2026"), later) == []
    # an undated record is no evidence either way
    assert _missing(asked, {"d": "In 2025 the D.C. Circuit ruled. The Supreme Court later denied Thaler's petition for "
                                 "certiorari."}) == []


def test_an_act_the_documents_give_to_another_party_was_not_the_asked_partys():
    code = "Meta refused to sign the Code. xAI signed only the Safety and Security chapter of the Code."
    assert _missing("Why did Meta sign only the Safety and Security chapter of the Code?", {"d": code}) == [
        "a decision by Meta to sign"]
    assert _missing("Why did xAI sign only the Safety and Security chapter of the Code?", {"d": code}) == []
    # the party doing it with any of the act's words is a record, though another party's clause has more of them
    deals = ("UMG sued Udio, and UMG settled with Udio on 29 October 2025. Warner Music Group settled its lawsuit "
             "against Udio later.")
    assert _missing("When did UMG settle its lawsuit with Udio?", {"d": deals}) == []


def test_events_a_fronted_clause_or_an_amount_takes_for_granted():
    reddit = "Reddit sued Anthropic in San Francisco. A jury trial is reported for 2028. No ruling on the merits."
    assert _missing("After the San Francisco jury found Anthropic liable, how much was Reddit awarded?",
                    {"d": reddit}) == ["a jury verdict"]
    assert _missing("What criminal charges were brought against the engineers over the torrenting?",
                    {"d": "The authors say engineers torrented the books. The suit is a civil class action."}) == [
        "criminal charges"]
    concord = "The publishers claim statutory damages above $3 billion. Motions to dismiss are pending."
    assert _missing("How is the $3 billion settlement of the publishers' suit being divided?", {"d": concord}) == [
        "a settlement of $3 billion"]
    assert _missing("How is the $3 billion settlement of the publishers' suit being divided?",
                    {"d": "The publishers settled the suit for $3 billion."}) == []


def test_a_dissent_or_concurrence_the_opinion_gives_to_others():
    slip = ("ROBERTS, C. J., delivered the opinion of the Court. BREYER, J., filed a concurring opinion. ALITO, J., "
            "filed a dissenting opinion. JUSTICE ALITO, dissenting. I therefore respectfully dissent.")
    assert _missing("Why did Justice Breyer dissent from the Court's ruling?", {"d": slip}) == [
        "a dissent by Justice Breyer"]
    assert _missing("Why did Justice Alito dissent from the Court's ruling?", {"d": slip}) == []
    assert _missing("Why did Justice Breyer write a concurrence?", {"d": slip}) == []
    # the possessive is no part of the name
    assert _missing("What did Justice Alito's dissent predict?", {"d": slip}) == []
    assert _missing("What did Justice Breyer's dissent predict?", {"d": slip}) == ["a dissent by Justice Breyer"]
    # an opinion that names no one as dissenting says nothing either way
    assert _missing("Why did Justice Breyer dissent?", {"d": "The Court affirmed."}) == []


def test_a_judge_the_documents_never_name_while_they_name_others():
    order = "This order grants summary judgment in part.\nIT IS SO ORDERED.\nWILLIAM ALSUP\nUNITED STATES DISTRICT JUDGE"
    assert _missing("Why did Judge Vince Chhabria conclude that the scanning was fair use?", {"d": order}) == [
        "Judge Chhabria"]
    assert _missing("Why did Judge Alsup conclude that the scanning was fair use?", {"d": order}) == []
    assert _missing("How did Judge Alsup's order treat the scanning?", {"d": order}) == []  # (a possessive)
    # a text that names no judge says nothing about which one
    assert _missing("Why did Judge Roe conclude that the scanning was fair use?", {"d": "The court held it fair."}) == []


def test_a_number_of_things_the_documents_give_otherwise():
    treaty = "This Treaty shall enter into force three months after 30 instruments of ratification have been deposited."
    assert _missing("Why does the Treaty require 50 instruments of ratification?", {"d": treaty}) == [
        "50 instruments"]
    assert _missing("Why does the Treaty require 30 instruments of ratification?", {"d": treaty}) == []
    assert _missing("Why does the Treaty require thirty instruments of ratification?", {"d": treaty}) == []
    assert _missing("How many instruments does the Treaty require?", {"d": treaty}) == []
    # no number of them in the documents at all: nothing to contradict
    assert _missing("Why does the Treaty wait 90 days?", {"d": treaty}) == []
    # a bound the question takes for granted is a number like any other; one a yes-or-no question asks about is not
    term = "The term of protection shall last, at least, until the end of a period of 50 years from fixation."
    assert _missing("Why must the protection last at least 70 years after fixation?", {"d": term}) == ["70 years"]
    assert _missing("Does the protection last at least 70 years after fixation?", {"d": term}) == []
    assert _missing("Why must the protection last at least 50 years after fixation?", {"d": term}) == []


def test_a_count_the_complaint_does_not_plead():
    complaint = ("COUNT I\nCOPYRIGHT INFRINGEMENT UNDER 17 U.S.C. § 101\n1. The Software is original.\nCOUNT II\n"
                 "BREACH OF CONTRACT\n2. Defendants breached the Contract.\n")
    assert _missing("Under the defamation count of the complaint, what relief is sought?", {"d": complaint}) == [
        "a defamation count"]
    assert _missing("Under the breach of contract count of the complaint, what relief is sought?",
                    {"d": complaint}) == []


def test_an_act_a_fronted_clause_gives_to_a_party_that_the_documents_give_to_another_or_deny():
    hub = ("The Responsible Technology Adoption Unit (RTA) in DSIT published the results of its public attitudes to "
           "data and AI survey in December 2023. The Information Commissioner\u2019s Office has also published "
           "guidance on data.")
    asked = ("When the Information Commissioner's Office published its public attitudes to data and AI survey, what "
             "did it find?")
    assert _missing(asked, {"d": hub}) == ["a decision by Information Commissioner's Office to publish"]
    readme = "Please STOP: we do not accept Pull Requests or other contributions to this repository."
    assert _missing("Now that GitHub accepts pull requests to this repository, how should a notice be sent?",
                    {"d": readme}) == ["a decision by GitHub to accept"]
    assert _missing("Now that GitHub accepts pull requests to this repository, how should a notice be sent?",
                    {"d": "GitHub accepts pull requests to this repository."}) == []


def test_a_decision_the_documents_record_the_other_way_round():
    order = "The Court DENIES the motion to strike the expert report of Dr. Smith."
    assert _missing("Why did the court grant the motion to strike the expert report of Dr. Smith?",
                    {"d": order}) == ["a decision to grant"]
    assert _missing("Why did the court deny the motion to strike the expert report of Dr. Smith?", {"d": order}) == []


def test_an_act_named_with_a_year_the_documents_give_it_otherwise():
    hub = ("The survey came out in December 2023. Section 80 of the Data (Use and Access) Act 2025 has introduced "
           "changes to Article 22 of the UK GDPR.")
    assert _missing("What changes did section 80 of the Data (Use and Access) Act 2023 make to Article 22?",
                    {"d": hub}) == ["the Data (Use and Access) Act 2023"]
    assert _missing("What changes did section 80 of the Data (Use and Access) Act 2025 make to Article 22?",
                    {"d": hub}) == []


def test_an_article_past_the_end_of_a_laws_text():
    law = "\n".join(f"Article {n}\nText of article {n}." for n in range(1, 100))
    assert _missing("What transitional arrangements does Article 101 of the Regulation lay down?", {"d": law}) == [
        "Article 101"]
    assert _missing("What does Article 99 of the Regulation lay down?", {"d": law}) == []
    # a summary that heads a few articles is no full text
    assert _missing("What does Article 101 lay down?", {"d": "Article 3\nResearch.\nArticle 4\nAnyone."}) == []


def test_the_court_in_another_judges_signed_order_is_that_judge():
    order = ("Accordingly, the Court will bar Dr. Bravman from opining that the products infringe other patents.\n"
             "IT IS SO ORDERED.\nBETH LABSON FREEMAN\nUnited States District Judge")
    asked = "Why did Magistrate Judge Nathaniel Cousins bar Dr. Bravman from opining that the products infringe?"
    assert _missing(asked, {"d": order + "\nMagistrate Judge Cousins set the schedule."}) == [
        "a decision by Judge Cousins to bar"]
    assert _missing("Why did Judge Freeman bar Dr. Bravman from opining that the products infringe?", {"d": order}) == []


def test_a_date_that_is_the_objects_does_not_date_the_act():
    texts = {"d": "On March 22, 2016, Ericsson made a per-unit offer. In 2017 the court refused to let Ericsson add "
                  "the offer to its contentions."}
    assert _missing("Why did the court refuse to let Ericsson add its March 2016 per-unit offer to its contentions?",
                    texts) == []


def test_what_a_finding_says_is_no_negation_of_it_and_a_possessive_is_no_judge():
    tcl = ("In TCL v. Ericsson the remaining claims were tried to the Court in a bench trial, and no jury was "
           "empanelled. Option B was not FRAND.")
    assert _missing("How did the jury in TCL v. Ericsson explain its finding that Option B was not FRAND?",
                    {"d": tcl}) == ["a jury verdict"]
    cox = "Justice Thomas wrote for the Court that knowing some subscribers infringe is not enough."
    assert _missing("Why did Justice Thomas's opinion hold that knowing some subscribers infringe is not enough?",
                    {"d": cox}) == []


FINJAN_ORDER = ("UNITED STATES DISTRICT COURT NORTHERN DISTRICT OF CALIFORNIA. Finjan sued Cisco. The Court GRANTS "
                "Cisco's motion in limine No. 4. " + "The parties briefed the motion at length. " * 80
                + "See Acme v. Beta, 123 F. Supp. 3d 456 (D. Del. 2015).")


def test_a_federal_district_court_is_found_written_out_or_abbreviated_and_only_that_district():
    o = {"o": FINJAN_ORDER}
    assert _missing("Why did the Northern District of California grant Cisco's motion?", o) == []
    assert _missing("Why did the N.D. Cal. court grant Cisco's motion?", o) == []
    assert _missing("Why did the Southern District of California grant Cisco's motion?", o) == [
        "the Southern District of California"]
    assert _missing("Why did the District of Massachusetts grant Cisco's motion?", o) == [
        "the District of Massachusetts"]
    # named only in a citation of another case, deep in the order: it decided nothing here
    assert _missing("Why did the District of Delaware grant Cisco's motion?", o) == [
        "a ruling by the District of Delaware"]


LAW = "\n".join(
    [f"Article {n}\n\nRules on matter {n}. The controller shall act on matter {n}.\n" for n in (1, 2, 4, 6)]
    + ["Article 3\n\nRight to erasure\n\nThe data subject shall have the right to erasure of personal data.\n",
       "Article 5\n\nDesignation of the data protection officer\n\nThe controller shall designate a data protection "
       "officer where the core activities require it.\n"])


def test_a_term_of_the_law_that_the_article_asked_about_does_not_have():
    asked = "How does Article 3 regulate when a controller must designate a data protection officer?"
    assert _missing(asked, {"law": LAW}) == ["data protection officer in Article 3"]
    assert _missing("What does Article 5 say about when to designate a data protection officer?", {"law": LAW}) == []
    assert _missing("What does Article 3 say about the right to erasure?", {"law": LAW}) == []
    # the article is where a term of the question is ('the erasure of personal data under Article 3'): what the
    # question asks of it may be said elsewhere in the law
    assert _missing("Who must designate a data protection officer to handle the erasure of personal data under "
                    "Article 3?", {"law": LAW}) == []
    # one word the article may say in other words, and a term the law never uses, say nothing either way
    assert _missing("How does Article 3 treat officers?", {"law": LAW}) == []
    assert _missing("How does Article 3 treat deep fakes?", {"law": LAW}) == []
    # another law whose Article 3 has the term: the question may mean that one
    other = LAW.replace("Right to erasure", "The controller shall designate a data protection officer.")
    assert _missing(asked, {"law": LAW, "other": other}) == []
    # two articles named: which one the term belongs to is not said
    assert _missing("How do Article 3 and Article 5 treat the data protection officer?", {"law": LAW}) == []


def test_a_holding_the_documents_give_only_as_a_partys_claim():
    opinion = ("The church contended that the gathering orders violated its free exercise rights. A jurisdictional "
               "barrier prevents us from reaching the merits. The court dismissed the appeal without prejudice.")
    asked = "Why did the court hold that the gathering orders violated the church's free exercise rights?"
    assert _missing(asked, {"d": opinion}) == [
        "a holding that the gathering orders violated the church's free exercise rights"]
    # said outright, it is a holding; a question that asks whether takes none for granted
    held = opinion + " We hold that the gathering orders violated the church's free exercise rights."
    assert _missing(asked, {"d": held}) == []
    # a party's claim the court agrees with is the court's holding
    claim = ("The church contended that the gathering orders violated its free exercise rights. The Court {}. The "
             "court ruled on the appeal.")
    assert _missing(asked, {"d": claim.format("agrees")}) == []
    assert _missing(asked, {"d": claim.format("disagrees")}) != []
    # or in the same sentence, in its own voice, whatever a clause before it negates
    own = ("Having offered no other foundation, the Court agrees with the church that the gathering orders violated "
           "its free exercise rights. The court ruled on the appeal.")
    assert _missing(asked, {"d": own}) == []
    # a negation after the holding's words negates something else
    aside = opinion + " The gathering orders violated the church's free exercise rights, not its speech rights."
    assert _missing(asked, {"d": aside}) == []
    assert _missing("Did the court hold that the gathering orders violated the church's free exercise "
                    "rights?", {"d": opinion}) == []
    # a holding the documents put in other words is not judged at all
    assert _missing("Why did the court hold that the state's limits on worship were unlawful?",
                    {"d": opinion}) == []
    # the question's own negation: 'did not violate' is backed by a sentence that says so
    ruled = ("The court ruled on the appeal. It concluded that the gathering orders did not violate the church's free "
             "exercise rights.")
    assert _missing(asked, {"d": ruled}) == ["a holding that the gathering orders violated the church's free exercise "
                                             "rights"]
    assert _missing("Why did the court hold that the gathering orders did not violate the church's free "
                    "exercise rights?", {"d": ruled}) == []
