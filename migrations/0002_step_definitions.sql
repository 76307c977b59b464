-- The ten step definitions of reference/steps.md (wp_domain::STEPS; a store test checks they agree).
INSERT INTO step_definitions (id, position, name, description, confirm_label) VALUES
    ('challenge', 1, 'Challenge', 'Extract the core problem and draft a How Might We statement', 'Accept Challenge Statement'),
    ('stakeholder-mapping', 2, 'Stakeholder Mapping', 'Identify and prioritize the people and groups involved', 'Confirm Stakeholder Map'),
    ('user-research', 3, 'User Research', 'Gather insights through interviews and research', 'Confirm Research Insights'),
    ('sense-making', 4, 'Research Sense Making', 'Synthesize research into themes, pains and gains', 'Confirm Sense Making'),
    ('persona', 5, 'Persona Development', 'Create a research-grounded user persona', 'Confirm Persona'),
    ('journey-mapping', 6, 'Journey Mapping', 'Map the current user experience and find the critical dip', 'Confirm Journey Map'),
    ('reframe', 7, 'Reframing Challenge', 'Craft a focused How Might We statement based on insights', 'Confirm HMW Statement'),
    ('ideation', 8, 'Ideation', 'Generate ideas (mind mapping, Crazy 8s, brain writing) and select the top ones', NULL),
    ('concept', 9, 'Concept Development', 'Develop concept sheets with SWOT, feasibility and an elevator pitch', 'Complete Concept Development'),
    ('validate', 10, 'Validate', 'Plan how to validate the concept; summarize the workshop and next steps', NULL);
