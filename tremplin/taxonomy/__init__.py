"""National taxonomies shared by several apps (La Coop de la médiation numérique, coop-enums.md).

They live below every feature app: diagnostics, workshops, referrals and activity records all import them from
here. Values are the official codes, labels the official French labels."""
