"""Documents made from a read model's answer, as bytes: an incident's after-action report
(PDF, incident_report) and its evacuation and notification lists (XLSX, incident_lists).
Each turns the document `load_incident` returns into a file and reads nothing else, so the
file's figures are the JSON's; the words both share are in `words`."""
