"""What every HTTP answer shares, whichever face serves it: the app class, the request's
edge (its unit of work), problem documents and the error mapping."""
