"""The browser suite (a package, so that its Chromium and server close when it ends)."""
