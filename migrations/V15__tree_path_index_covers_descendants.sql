-- A tree's path index carries the default order and the key (issue 8, tree benchmark): the
-- `descendants/` page of a subtree is then sorted and counted from the index alone, without
-- reading each row of the subtree. From `plinth dev ddl organization`.

DROP INDEX "organizations_tree_path";
CREATE INDEX "organizations_tree_path_name_id" ON "organizations" ("tree_path", "name", "id");
