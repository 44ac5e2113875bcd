# USPersonalExpenditure: spending by category in 1940 and 1960, billions of dollars
# (R base grouped barplot with a legend), 800x600
import matplotlib.pyplot as plt

categories = ['Food and Tobacco', 'Household Operation', 'Medical and Health', 'Personal Care', 'Private Education']
y1940 = [22.2, 10.5, 3.53, 1.04, 0.341]
y1960 = [86.8, 46.2, 21.1, 5.4, 3.64]
colors = ['#ff0000', '#ccff00', '#00ff66', '#0066ff', '#cc00ff']

fig = plt.figure(figsize=(8, 6), dpi=100)
ax = fig.add_axes([0.1025, 0.1492, 0.8435, 0.7421])
for i, cat in enumerate(categories):
    ax.bar([1.5 + i, 7.5 + i], [y1940[i], y1960[i]], width=1.0, color=colors[i], edgecolor='black', linewidth=0.75, label=cat)
ax.set_xlim(0.56, 12.44)
ax.set_ylim(-3.472, 90.272)
for side in ['top', 'right', 'bottom']:
    ax.spines[side].set_visible(False)
ax.spines['left'].set_bounds(0, 80)
ax.spines['left'].set_color('#555555')
ax.set_yticks([0, 20, 40, 60, 80])
ax.tick_params(axis='y', length=5, width=1.0, color='#555555', labelsize=13, pad=8, labelrotation=90)
for lab in ax.get_yticklabels():
    lab.set_verticalalignment('center')
ax.set_xticks([3.5, 9.5])
ax.set_xticklabels(['1940', '1960'])
ax.tick_params(axis='x', length=0, labelsize=12, pad=8.5)
ax.set_title('US personal expenditure (billions of dollars)', fontsize=14.5, fontweight='bold', pad=13)
ax.legend(loc='upper left', bbox_to_anchor=(82 / 800, 1 - 81 / 600), bbox_transform=fig.transFigure,
          fancybox=False, edgecolor='black', framealpha=1, fontsize=9.2, handlelength=0.78, handleheight=0.78,
          borderaxespad=0, labelspacing=0.29, handletextpad=1.05, borderpad=0.9)
