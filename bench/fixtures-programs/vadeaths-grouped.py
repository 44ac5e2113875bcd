# VADeaths: death rates in Virginia (1940) per 1000, by group and age (R base grouped barplot), 800x600
import matplotlib.pyplot as plt

groups = ['Rural Male', 'Rural Female', 'Urban Male', 'Urban Female']
ages = ['50-54', '55-59', '60-64', '65-69', '70-74']
rates = {
    '50-54': [11.7, 8.7, 15.4, 8.4],
    '55-59': [18.1, 11.7, 24.3, 13.6],
    '60-64': [26.9, 20.3, 37.0, 19.3],
    '65-69': [41.0, 30.9, 54.6, 35.1],
    '70-74': [66.0, 54.3, 71.1, 50.0],
}
colors = ['#4d4d4d', '#888888', '#aeaeae', '#cccccc', '#e6e6e6']

fig = plt.figure(figsize=(8, 6), dpi=100)
ax = fig.add_axes([0.1025, 0.1492, 0.8430, 0.7423])
for k, age in enumerate(ages):
    xs = [1.5 + 6 * g + k for g in range(len(groups))]
    ax.bar(xs, rates[age], width=1.0, color=colors[k], edgecolor='black', linewidth=0.75, label=age)
ax.set_xlim(0.08, 24.92)
ax.set_ylim(-2.844, 73.944)
for side in ['top', 'right', 'bottom']:
    ax.spines[side].set_visible(False)
ax.spines['left'].set_bounds(0, 70)
ax.spines['left'].set_color('#555555')
ax.set_yticks(range(0, 71, 10))
ax.tick_params(axis='y', length=5, width=1.0, color='#555555', labelsize=13, pad=8, labelrotation=90)
for lab in ax.get_yticklabels():
    lab.set_verticalalignment('center')
ax.set_xticks([3.5 + 6 * g for g in range(len(groups))])
ax.set_xticklabels(groups)
ax.tick_params(axis='x', length=0, labelsize=12, pad=8.5)
ax.set_title('Death rates in Virginia (1940) per 1000', fontsize=14.5, fontweight='bold', pad=13)
ax.legend(loc='upper left', bbox_to_anchor=(82 / 800, 1 - 81 / 600), bbox_transform=fig.transFigure,
          fancybox=False, edgecolor='black', framealpha=1, fontsize=12, handlelength=0.6, handleheight=0.6,
          borderaxespad=0, labelspacing=0.30, handletextpad=1.0, borderpad=0.85)
