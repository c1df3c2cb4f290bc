planning-wrong-step = Not at this step: reload the page to see where it stands.
