"""The Textual console: the app, its screens, its styles and the warroom command."""
