"""Our content rules pass on the real content, and each one catches what it is for, with
the file and line to fix."""
from pathlib import Path

import pytest

from training import content_rules

KNOWLEDGE = "Call 0800 650 654, or 111, or 1737.\n"
GOOD_ANSWER = "Restorative justice is a meeting. Call 0800 650 654 or talk to a victim advisor."


def examples(prefix, count):
    return "".join(f"    - {prefix} question number {i}\n" for i in range(count))


def project(tmp_path: Path, training=15, held_out=5, extra_training="", extra_held_out="",
            answer=GOOD_ANSWER, questions="what_is_rj: What is restorative justice?\n"
            ) -> Path:
    (tmp_path / "data" / "nlu").mkdir(parents=True)
    (tmp_path / "tests" / "nlu").mkdir(parents=True)
    (tmp_path / "actions").mkdir()
    (tmp_path / "actions" / "topic_questions.yml").write_text(questions)
    (tmp_path / "data" / "nlu" / "faq.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: faq/what_is_rj\n  examples: |\n'
        + examples("rj", training) + extra_training)
    (tmp_path / "tests" / "nlu" / "held_out.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: faq/what_is_rj\n  examples: |\n'
        + examples("held out", held_out) + extra_held_out)
    (tmp_path / "domain.yml").write_text(
        'version: "3.1"\nresponses:\n  utter_faq/what_is_rj:\n  - text: "' + answer + '"\n')
    (tmp_path / "knowledge.md").write_text(KNOWLEDGE)
    return tmp_path


def problems(root):
    return [str(p).replace(str(root) + "/", "")
            for p in content_rules.check(root, root / "knowledge.md")]


def test_the_real_content_passes():
    assert [str(p) for p in content_rules.check()] == []


def test_a_good_project_passes(tmp_path):
    assert problems(project(tmp_path)) == []


def test_too_few_training_examples(tmp_path):
    assert problems(project(tmp_path, training=14)) == [
        "data/nlu/faq.yml:3: faq/what_is_rj has 14 training examples; it needs at least 15"]


def test_too_few_held_out_examples(tmp_path):
    [problem] = problems(project(tmp_path, held_out=4))
    assert problem.startswith("tests/nlu/held_out.yml:1: faq/what_is_rj has 4 held-out")


def test_an_example_twice(tmp_path):
    [problem] = problems(project(tmp_path, extra_training="    - rj question number 3\n"))
    assert problem == ("data/nlu/faq.yml:20: 'rj question number 3' appears twice "
                       "(also line 8)")


def test_an_example_under_two_topics(tmp_path):
    root = project(tmp_path, extra_training="- intent: greet\n  examples: |\n"
                   "    - RJ question number 0!\n" + examples("hello", 15))
    (root / "tests" / "nlu" / "held_out.yml").write_text(
        (root / "tests" / "nlu" / "held_out.yml").read_text()
        + "- intent: greet\n  examples: |\n" + examples("hi there", 5))
    [problem] = problems(root)
    assert problem.startswith("data/nlu/faq.yml:22: 'RJ question number 0!' is under greet "
                              "and under faq/what_is_rj (faq.yml:5)")


def test_a_held_out_example_copied_from_training(tmp_path):
    [problem] = problems(project(tmp_path, extra_held_out="    - rj question number 1\n"))
    assert problem.startswith("tests/nlu/held_out.yml:10: held-out 'rj question number 1' is "
                              "also training data (faq.yml:6)")


@pytest.mark.parametrize("answer", ["It is a meeting. Talk to a victim advisor.",
                                    "Restorative justice is a meeting. Call 0800 650 654."])
def test_a_response_without_the_line_or_an_advisor(tmp_path, answer):
    assert problems(project(tmp_path, answer=answer)) == [
        "domain.yml:3: utter_faq/what_is_rj must offer 0800 650 654 and a victim advisor"]


def test_a_response_too_long_for_a_phone(tmp_path):
    [problem] = problems(project(tmp_path, answer=GOOD_ANSWER + " We can help you." * 60))
    assert problem.startswith("domain.yml:3: utter_faq/what_is_rj is 1100")
    assert "fits a phone screen" in problem


def test_a_phone_number_not_in_the_knowledge_base(tmp_path):
    assert problems(project(tmp_path, answer=GOOD_ANSWER + " Or call 0800 123 456.")) == [
        "domain.yml:3: utter_faq/what_is_rj mentions 0800 123 456, which is not in the "
        "knowledge base"]


def test_a_topic_without_a_question_to_offer(tmp_path):
    assert problems(project(tmp_path, questions="")) == [
        "data/nlu/faq.yml:3: faq/what_is_rj has no question in "
        "actions/topic_questions.yml, to offer as a button"]


def test_a_question_for_a_topic_that_does_not_exist(tmp_path):
    questions = "what_is_rj: What is restorative justice?\nsupport_dogs: Can my dog come?\n"
    assert problems(project(tmp_path, questions=questions)) == [
        "actions/topic_questions.yml:2: support_dogs is not an FAQ topic in data/"]


@pytest.mark.parametrize("questions", ["- What is restorative justice?\n", "what_is_rj: [\n"])
def test_a_questions_file_that_is_not_topic_lines(tmp_path, questions):
    [problem] = problems(project(tmp_path, questions=questions))
    assert problem.startswith("actions/topic_questions.yml:1: ")


def with_domain_response(root: Path, name: str, text: str) -> Path:
    with open(root / "domain.yml", "a") as domain:
        domain.write(f'  {name}:\n  - text: "{text}"\n')
    return root


def test_an_unsure_reply_without_the_safety_net(tmp_path):
    root = with_domain_response(project(tmp_path), "utter_ask_rephrase",
                                "Say it another way? Call 0800 650 654 or an advisor.")
    [problem] = problems(root)
    assert problem.startswith("domain.yml:5: utter_ask_rephrase is an unsure reply")


def test_a_danger_reply_that_does_not_name_111_first(tmp_path):
    root = with_domain_response(project(tmp_path), "utter_crisis",
                                "Call 1737, or 111, or 0800 650 654 for an advisor.")
    [problem] = problems(root)
    assert problem == "domain.yml:5: utter_crisis must name 111 before any other number"


def crisis_file(root: Path, folder: str, name: str, lines: str) -> None:
    (root / folder).mkdir(parents=True, exist_ok=True)
    (root / folder / name).write_text(lines)


def test_a_crisis_example_twice_and_a_held_out_one_in_training(tmp_path):
    root = project(tmp_path)
    crisis_file(root, "data/crisis", "crisis.yml",
                'crisis:\n  intruder:\n  - "hes in the house"\n  - "Hes in the house!"\n')
    crisis_file(root, "tests/nlu", "crisis_held_out.yml",
                'crisis:\n  intruder:\n  - "he\'s in the house"\n  - "new one"\n')
    assert problems(root) == [
        "data/crisis/crisis.yml:4: 'Hes in the house!' is also at crisis.yml:3",
        "tests/nlu/crisis_held_out.yml:3: held-out \"he's in the house\" is also training "
        "data (crisis.yml:3); held-out examples must be new"]


def test_an_answer_hard_to_read(tmp_path):
    hard = ("Restorative justice conferences facilitate comprehensive communication regarding "
            "consequential victimisation experiences.\\n\\nCall 0800 650 654 or talk to a "
            "victim advisor.")
    [problem] = problems(project(tmp_path, answer=hard))
    assert problem.startswith("domain.yml:3: utter_faq/what_is_rj scores -108 for reading "
                              "ease; make it at least 70")


def test_an_answer_with_a_sentence_too_long_to_follow(tmp_path):
    rambling = ("You can come" + " and you can bring a friend" * 5
                + ".\\n\\nCall 0800 650 654 or talk to a victim advisor.")
    [problem] = problems(project(tmp_path, answer=rambling))
    assert problem.startswith("domain.yml:3: utter_faq/what_is_rj: this sentence has 33 "
                              "words, over 25: 'You can come and you can bring")


def test_readability_leaves_out_the_closing_offer_and_reads_bullets_as_sentences():
    from training import readability

    answer = "You can:\n• say how it hurt\n• ask him why\n\nCall 0800 650 654 any time."
    assert readability.main_text(answer) == "You can:\nsay how it hurt.\nask him why."
    assert readability.sentences(readability.main_text(answer))[1:] == ["say how it hurt.",
                                                                       "ask him why."]
