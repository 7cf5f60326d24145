package sqlstore

// BatchBacklogsQuery is the statement BatchBacklogs runs, for its plan.
const BatchBacklogsQuery = batchBacklogsQuery
