-- Lists of what is due or overdue walk this index in order and stop at the first page.
CREATE INDEX cases_due ON cases (due_date, id);
