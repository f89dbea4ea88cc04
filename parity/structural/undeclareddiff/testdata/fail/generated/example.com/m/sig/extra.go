package sig
