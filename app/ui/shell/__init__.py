"""The application shell: start-up, main window, navigation, lock screen, status bar."""
