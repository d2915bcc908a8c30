"""Web accounts: users with roles (reader, drafter, clerk, admin), clerks bound to offices,
argon2 password hashes, and the append-only audit log. Tables live in the store's database
(``toolkit.accounts.tables``) so one backup holds them with the register."""
