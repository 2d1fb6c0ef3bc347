"""The web chat: settings from the environment; builds index/ from sources/ on first use, then serves."""

from assistant.settings import Settings


def main() -> None:
    from assistant.ui import serve

    serve(Settings())


if __name__ == "__main__":
    main()
