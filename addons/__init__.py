"""Extensions loaded by the Rasa server: NLU components and the tracker store."""
