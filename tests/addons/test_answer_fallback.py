"""The fallback looks at the chosen answer's confidence, not only the intent's."""
from rasa.shared.nlu.training_data.message import Message

from addons.answer_fallback import AnswerAwareFallbackClassifier


def classifier(**config):
    return AnswerAwareFallbackClassifier(
        {**AnswerAwareFallbackClassifier.get_default_config(), **config}
    )


def message(intent="faq", intent_confidence=0.99, answers=None):
    """A parsed message; `answers` is the ResponseSelector's ranking, best first."""
    data = {
        "text": "a question",
        "intent": {"name": intent, "confidence": intent_confidence},
        "intent_ranking": [{"name": intent, "confidence": intent_confidence},
                           {"name": "greet", "confidence": 1 - intent_confidence}],
    }
    if answers is not None:
        ranking = [{"intent_response_key": key, "confidence": conf} for key, conf in answers]
        data["response_selector"] = {
            "all_retrieval_intents": ["faq"],
            "faq": {
                "response": {"intent_response_key": answers[0][0],
                             "confidence": answers[0][1],
                             "responses": [{"text": "an answer"}],
                             "utter_action": "utter_" + answers[0][0]},
                "ranking": ranking,
            },
        }
    return Message(data=data)


def predicted(msg, **config):
    return classifier(**config).process([msg])[0].get("intent")["name"]


def test_a_confident_answer_is_kept():
    assert predicted(message(answers=[("faq/cost", 0.9), ("faq/when", 0.05)])) == "faq"


def test_a_confident_faq_intent_with_an_unsure_answer_falls_back():
    msg = message(intent_confidence=1.0, answers=[("faq/cost", 0.3), ("faq/when", 0.1)])
    assert predicted(msg) == "nlu_fallback"


def test_two_answers_too_close_to_call_fall_back():
    msg = message(answers=[("faq/cost", 0.52), ("faq/when", 0.46)])
    assert predicted(msg) == "nlu_fallback"


def test_thresholds_come_from_the_config():
    msg = message(answers=[("faq/cost", 0.6), ("faq/when", 0.1)])
    assert predicted(msg, answer_threshold=0.7) == "nlu_fallback"
    msg = message(answers=[("faq/cost", 0.6), ("faq/when", 0.1)])
    assert predicted(msg, answer_threshold=0.5) == "faq"


def test_an_intent_without_answers_is_judged_on_the_intent_alone():
    assert predicted(message(intent="greet", answers=None)) == "greet"
    assert predicted(message(intent="greet", intent_confidence=0.2)) == "nlu_fallback"


def test_a_single_answer_has_no_runner_up_to_be_ambiguous_with():
    assert predicted(message(answers=[("faq/cost", 0.95)])) == "faq"


def test_the_original_prediction_stays_in_the_ranking():
    msg = classifier().process([message(answers=[("faq/cost", 0.2), ("faq/when", 0.1)])])[0]
    names = [entry["name"] for entry in msg.get("intent_ranking")]
    assert names[:2] == ["nlu_fallback", "faq"]


def with_word_features(msg, known_words):
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features

    counts = scipy.sparse.coo_matrix([[known_words, 0, 0]])
    msg.add_features(Features(counts, "sentence", "text", "word_counts"))
    return msg


def test_a_message_with_no_known_word_is_not_understood_however_confident():
    msg = with_word_features(message(intent="acknowledge", intent_confidence=0.97), 0)
    assert predicted(msg, known_words_from="word_counts") == "nlu_fallback"


def test_a_message_with_a_known_word_is_judged_as_usual():
    msg = with_word_features(message(intent="acknowledge", intent_confidence=0.97), 1)
    assert predicted(msg, known_words_from="word_counts") == "acknowledge"


def test_the_known_words_check_is_off_unless_configured():
    msg = with_word_features(message(intent="acknowledge", intent_confidence=0.97), 0)
    assert predicted(msg) == "acknowledge"
