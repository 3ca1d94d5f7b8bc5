"""A suggested topic, tapped, is answered with that topic: each button's question in
actions/topic_questions.yml is understood as its own topic by the trained model."""
from actions.topic_suggestions import load_questions
from training import nlu_eval


def test_each_suggested_question_is_answered_with_its_topic(agent):
    questions = load_questions()
    predictions = nlu_eval.predict(agent, [(q, topic) for topic, q in questions.items()])
    wrong = [f"{p.text!r} ({p.expected}) -> {p.predicted}" for p in predictions
             if p.predicted != p.expected]
    assert not wrong, "\n".join(wrong)
