// Reads a graph file with the Gephi toolkit's default import, as Gephi's "Open" does, and
// prints what Gephi kept: for each file its import report's issues, node and edge counts, and
// each node's id, colour and label. Run by tests/export/test_gephi.py as
//   java -cp gephi-toolkit-0.10.1-all.jar GephiRead.java FILE...
import java.awt.Color;
import java.io.File;
import java.util.Iterator;

import org.gephi.graph.api.Graph;
import org.gephi.graph.api.GraphController;
import org.gephi.graph.api.Node;
import org.gephi.io.importer.api.Container;
import org.gephi.io.importer.api.ImportController;
import org.gephi.io.importer.api.Issue;
import org.gephi.io.processor.plugin.DefaultProcessor;
import org.gephi.project.api.ProjectController;
import org.gephi.project.api.Workspace;
import org.openide.util.Lookup;

public class GephiRead {
    public static void main(String[] args) throws Exception {
        ProjectController projects = Lookup.getDefault().lookup(ProjectController.class);
        ImportController importer = Lookup.getDefault().lookup(ImportController.class);
        for (String path : args) {
            projects.newProject();
            Workspace workspace = projects.getCurrentWorkspace();
            System.out.println("file " + path);
            Container container = importer.importFile(new File(path));
            if (container == null) {
                System.out.println("error no importer");
                continue;
            }
            Iterator<Issue> issues = container.getReport().getIssues(1000);
            while (issues.hasNext()) {
                Issue issue = issues.next();
                System.out.println("issue " + issue.getLevel() + " "
                                   + issue.getMessage().replace('\n', ' '));
            }
            importer.process(container, new DefaultProcessor(), workspace);
            Graph graph = Lookup.getDefault().lookup(GraphController.class)
                .getGraphModel(workspace).getGraph();
            System.out.println("nodes " + graph.getNodeCount());
            System.out.println("edges " + graph.getEdgeCount());
            for (Node node : graph.getNodes()) {
                Color c = node.getColor();
                System.out.println(String.format("node %s\t#%02x%02x%02x\t%s", node.getId(),
                    c.getRed(), c.getGreen(), c.getBlue(),
                    String.valueOf(node.getLabel()).replace('\n', ' ').replace('\r', ' ')));
            }
            projects.closeCurrentProject();
        }
        System.exit(0);
    }
}
