"""Reading the documents and spreadsheets counties already have into the ledger.

`document` parses the text of a feedback list, a 整改方案 or a 整改情况报告 (with its plan
attached or not); `ledger` reads an Excel 台账 (its header row, its columns, its rows);
`readers` turns uploads into text or rows and refuses what it cannot read, with `cells` for a
cell's value as text; `plan` compares the result with what the county's ledger holds
(new / changed / unchanged, units to match) and `services` saves it in one transaction.

Imports point one way: readers → ledger → document → cleaning, deadlines."""
