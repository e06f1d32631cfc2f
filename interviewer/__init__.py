"""interviewer: a mock interviewer for GenAI system design interviews."""

__version__ = "0.1.0"
