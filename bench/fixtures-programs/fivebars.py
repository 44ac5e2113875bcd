# fivebars: the exact matplotlib program of test/fixtures/charts/fivebars.png (600x400), minus its savefig
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
labels = ['A', 'B', 'C', 'D', 'E']
values = [3, 7, 2, 5, 4]
fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
ax.bar(labels, values)
ax.set_title('Five bars')
