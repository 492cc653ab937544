"""« Aujourd'hui » page: the first page of the window."""

PAGE_KEY = "aujourdhui"
