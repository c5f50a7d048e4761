// The methodologists' pages: search-as-you-type for the concept pickers (filled in below).
