// Container images every pipeline builds on. Bumping a tag here re-keys every task that uses it, in
// every pipeline: the invalidation panel shows which ones before you commit.
export const PYTHON_IMAGE = 'registry.example.com/data/python:3.12-2026.11';
export const DBT_IMAGE = 'registry.example.com/data/dbt:1.9.4';
export const SPARK_IMAGE = 'registry.example.com/data/spark:3.5.3';
