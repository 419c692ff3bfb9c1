"""The office's everyday tools: one search box over everything, the manager's overview and
where each role lands after signing in."""
