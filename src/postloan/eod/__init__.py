"""End-of-day batch (日终批处理): on each business date, age every loan (DPD), move buckets with
history, classify (五级分类), stage and provision (IFRS 9), and snapshot the portfolio — as ordered,
recorded, restartable steps over loan partitions, vectorized with Polars."""
