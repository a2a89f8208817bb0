"""One module per page that runs code: ``pages/<page>.py`` beside ``docs/<page>.md``,
``snippets/<page>/`` and ``tests/test_<page>.py``. A module declares the runs its page shows
(``snippet_runner.Run``) and draws the page's tables and charts; the tests import the same
declarations, so a test reads the very run the page shows."""
