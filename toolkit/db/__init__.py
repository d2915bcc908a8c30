"""The data layer: one SQLAlchemy engine for the embedded SQLite store and for PostgreSQL.

``url`` turns what a user types (``--db path`` or ``postgresql://…``) into a database URL;
``engine`` opens it with the settings each dialect needs and turns connection failures into one
clear line naming the server.
"""
